package io.tinyfleet.server.deploy;

import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Part;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.http.multipart.CompletedFileUpload;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.tinyfleet.server.api.ApiException;
import io.tinyfleet.server.artifact.ArtifactStore;
import io.tinyfleet.server.artifact.ModelRecord;
import java.io.IOException;
import java.util.List;

/**
 * {@code POST /api/models} (multipart field {@code file}, optional {@code shard}: an eval shard file
 * (TFSHARD1, drawn with {@code EvalShard.draw}) shipped with the model so devices can check
 * {@code minAccuracy}, optional {@code name} and {@code source}),
 * {@code GET /api/models}, {@code GET /api/models/{id}}, and {@code GET /api/keys/controller}
 * (the PEM public key agents pin).
 */
@Controller("/api")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ModelsController {

    private final ArtifactStore store;
    private final ControllerKeys keys;

    ModelsController(ArtifactStore store, ControllerKeys keys) {
        this.store = store;
        this.keys = keys;
    }

    /** Stores an uploaded model (and its eval shard); 400 {@code INVALID_MODEL} naming the problem. */
    @Post(value = "/models", consumes = MediaType.MULTIPART_FORM_DATA)
    @Status(HttpStatus.CREATED)
    public ModelRecord upload(@Part("file") CompletedFileUpload file, @Nullable @Part("shard") CompletedFileUpload shard,
                              @Nullable @Part("name") String name,
                              @Nullable @Part("source") String source) throws IOException {
        String label = name != null && !name.isBlank() ? name : file.getFilename();
        try {
            return store.store(file.getBytes(), label, shard == null ? null : shard.getBytes(),
                    source == null || source.isBlank() ? "upload" : source);
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, OtaErrors.INVALID_MODEL, e.getMessage());
        }
    }

    /** Every stored model. */
    @Get("/models")
    public List<ModelRecord> list() {
        return store.list();
    }

    /** One model by id, id prefix or name. */
    @Get("/models/{id}")
    public ModelRecord get(@PathVariable String id) {
        return store.resolve(id).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, OtaErrors.MODEL_NOT_FOUND,
                "no model '" + id + "'"));
    }

    /** The controller's public signing key (PEM). */
    @Get(value = "/keys/controller", produces = MediaType.TEXT_PLAIN)
    public String publicKey() {
        return keys.publicPem();
    }
}
