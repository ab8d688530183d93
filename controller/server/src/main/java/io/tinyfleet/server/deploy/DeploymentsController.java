package io.tinyfleet.server.deploy;

import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.tinyfleet.server.api.ApiException;
import io.tinyfleet.server.rollout.Rollout;
import io.tinyfleet.server.rollout.RolloutEngine;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /api/deployments}, {@code GET /api/deployments[/{id}]}, {@code GET /api/rollouts},
 * {@code POST /api/rollouts/{id}/resume}, {@code POST /api/rollouts/{id}/abort}. A deployment is
 * a rollout (same id).
 */
@Controller("/api")
@ExecuteOn(TaskExecutors.BLOCKING)
public class DeploymentsController {

    private final DeploymentService deployments;
    private final RolloutEngine engine;

    DeploymentsController(DeploymentService deployments, RolloutEngine engine) {
        this.deployments = deployments;
        this.engine = engine;
    }

    /** Starts a deployment; 400 INVALID_DEPLOYMENT / 404 MODEL_NOT_FOUND. */
    @Post("/deployments")
    @Status(HttpStatus.CREATED)
    public RolloutView deploy(@Body DeployRequest req) {
        Rollout r;
        try {
            r = deployments.deploy(req);
        } catch (DeploymentService.NoSuchModelException e) {
            throw new ApiException(HttpStatus.NOT_FOUND, OtaErrors.MODEL_NOT_FOUND, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, OtaErrors.INVALID_DEPLOYMENT, e.getMessage());
        }
        return view(r.id());
    }

    /** Every deployment, newest first. */
    @Get("/deployments")
    public List<RolloutView> list() {
        return engine.repository().list().stream().map(r -> RolloutView.of(r, engine.repository().devices(r.id())))
                .toList();
    }

    /** One deployment with each device's status. */
    @Get("/deployments/{id}")
    public RolloutView get(@PathVariable String id) {
        return view(id);
    }

    /** Same as {@code GET /api/deployments}. */
    @Get("/rollouts")
    public List<RolloutView> rollouts() {
        return list();
    }

    /** One rollout. */
    @Get("/rollouts/{id}")
    public RolloutView rollout(@PathVariable String id) {
        return view(id);
    }

    /** Resumes a paused rollout; 409 ROLLOUT_STATE otherwise. */
    @Post("/rollouts/{id}/resume")
    public RolloutView resume(@PathVariable String id) {
        return act(id, () -> engine.resume(id));
    }

    /** Aborts a rollout; 409 ROLLOUT_STATE when it already ended. */
    @Post("/rollouts/{id}/abort")
    public RolloutView abort(@PathVariable String id) {
        return act(id, () -> engine.abort(id));
    }

    private RolloutView act(String id, Supplier<Rollout> action) {
        view(id);
        try {
            action.get();
        } catch (IllegalStateException e) {
            throw new ApiException(HttpStatus.CONFLICT, OtaErrors.ROLLOUT_STATE, e.getMessage());
        }
        return view(id);
    }

    private RolloutView view(String id) {
        Rollout r = engine.repository().find(id).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                OtaErrors.DEPLOYMENT_NOT_FOUND, "no deployment with id '" + id + "'"));
        return RolloutView.of(r, engine.repository().devices(id));
    }
}
