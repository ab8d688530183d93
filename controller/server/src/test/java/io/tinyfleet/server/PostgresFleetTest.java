package io.tinyfleet.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fleet scenario with the registry in the local PostgreSQL service (127.0.0.1:5432, user
 * postgres, database test, trust auth), in a schema of its own that is dropped afterwards.
 * Skipped, with the reason printed, when PostgreSQL is not reachable.
 */
class PostgresFleetTest {

    static final String BASE = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @Test
    void agentsRegister_withPostgresRegistry(@TempDir Path home) throws Exception {
        String schema = "tf_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String why = null;
        try (Connection c = DriverManager.getConnection(BASE); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            why = "PostgreSQL not usable at " + BASE + ": " + e.getMessage();
            System.out.println("SKIPPED PostgresFleetTest: " + why);
        }
        assumeTrue(why == null, why);
        try (FleetFlow flow = new FleetFlow(ControllerOptions.of(0, 0, home.resolve("controller"))
                .withDb(BASE + "&currentSchema=" + schema), home)) {
            flow.run(true);
        } finally {
            try (Connection c = DriverManager.getConnection(BASE); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
