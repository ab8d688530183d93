package io.tinyfleet.server.api;

import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.tinyfleet.server.fleet.FleetService;

import java.util.List;

/** {@code GET /api/devices} and {@code GET /api/devices/{id}}. */
@Controller("/api/devices")
@ExecuteOn(TaskExecutors.BLOCKING)
public class DevicesController {

    private final FleetService fleet;

    DevicesController(FleetService fleet) {
        this.fleet = fleet;
    }

    /** Every known device, by id. */
    @Get
    public List<DeviceView> list() {
        return fleet.list().stream().map(DeviceView::of).toList();
    }

    /** One device; 404 {@code DEVICE_NOT_FOUND} when unknown. */
    @Get("/{id}")
    public DeviceView get(@PathVariable String id) {
        return fleet.find(id).map(DeviceView::of).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                ApiError.DEVICE_NOT_FOUND, "no device with id '" + id + "'"));
    }
}
