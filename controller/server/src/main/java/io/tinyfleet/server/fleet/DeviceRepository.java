package io.tinyfleet.server.fleet;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;

/**
 * The device table. Queries are generated for H2; when {@code datasources.default.dialect} says
 * POSTGRES, Micronaut Data rebuilds them for PostgreSQL at run time.
 */
@JdbcRepository(dialect = Dialect.H2)
public interface DeviceRepository extends CrudRepository<DeviceRecord, String> {

    /** All devices by id. */
    List<DeviceRecord> listOrderById();

    /** Devices that are (or are not) online. */
    List<DeviceRecord> findByOnline(boolean online);

    /** How many devices are (or are not) online. */
    long countByOnline(boolean online);
}
