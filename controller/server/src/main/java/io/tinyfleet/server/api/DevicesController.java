package io.tinyfleet.server.api;

import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.tinyfleet.server.fleet.FleetService;

import java.util.List;

/** {@code GET /api/devices}, {@code GET /api/devices/{id}} and {@code PUT /api/devices/{id}/tags}. */
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
        return fleet.find(id).map(DeviceView::of).orElseThrow(() -> notFound(id));
    }

    /**
     * The body of {@code PUT /api/devices/{id}/tags}.
     *
     * @param tags the operator's tags for the device (each 1-64 of A-Z a-z 0-9 . _ -)
     */
    @Serdeable
    public record TagsRequest(@Nullable List<String> tags) {
    }

    /**
     * Replaces the tags assigned to a device through the API (the tags its agent declares stay);
     * {@code deploy --to tag:T} matches either. 400 {@code BAD_REQUEST} for a missing list or a bad
     * tag, 404 {@code DEVICE_NOT_FOUND} for an unknown device.
     */
    @Put("/{id}/tags")
    public DeviceView putTags(@PathVariable String id, @io.micronaut.http.annotation.Body TagsRequest body) {
        if (body == null || body.tags() == null) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.BAD_REQUEST,
                    "body must be {\"tags\": [\"TAG\", ...]} (an empty list removes the assigned tags)");
        }
        try {
            return fleet.assignTags(id, body.tags()).map(DeviceView::of).orElseThrow(() -> notFound(id));
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.BAD_REQUEST, e.getMessage());
        }
    }

    private static ApiException notFound(String id) {
        return new ApiException(HttpStatus.NOT_FOUND, ApiError.DEVICE_NOT_FOUND, "no device with id '" + id + "'");
    }
}
