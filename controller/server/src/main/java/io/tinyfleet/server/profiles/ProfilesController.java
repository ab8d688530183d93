package io.tinyfleet.server.profiles;

import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.server.api.ApiException;

import java.util.List;
import java.util.Map;

/** {@code GET /api/profiles} (the catalogue) and {@code GET /api/profiles/{id}}. */
@Controller("/api/profiles")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ProfilesController {

    /** Stable error code of an unknown profile id. */
    public static final String PROFILE_NOT_FOUND = "PROFILE_NOT_FOUND";

    private final ProfileCatalogue catalogue;

    ProfilesController(ProfileCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    /** One profile as JSON; {@code sources} says where each figure group comes from. */
    @Serdeable
    public record ProfileView(String id, String name, String cpuModel, String arch, int cores, int clockMhz,
                              List<String> isaFeatures, long memoryMb, long storageMb, String accelerator,
                              double idleWatts, double loadedWatts, List<String> executionProviders,
                              int intraOpThreads, Map<String, String> sources) {
        static ProfileView of(DeviceProfile p) {
            return new ProfileView(p.id(), p.name(), p.cpu().model(), p.cpu().arch(), p.cpu().cores(), p.cpu().clockMhz(),
                    p.cpu().isaFeatures(), p.memoryMb(), p.storageMb(), p.accelerator(), p.power().idleWatts(),
                    p.power().loadedWatts(), p.onnxruntime().executionProviders(), p.onnxruntime().intraOpThreads(),
                    p.sources());
        }
    }

    /** The catalogue and any files that failed to load. */
    @Serdeable
    public record CatalogueView(String dir, List<ProfileView> profiles, List<String> errors) {
    }

    /** Every profile, by id. */
    @Get
    public CatalogueView list() {
        ProfileCatalogue.Catalogue c = catalogue.load();
        return new CatalogueView(catalogue.dir().toString(),
                c.profiles().values().stream().map(ProfileView::of).toList(), c.errors());
    }

    /** One profile; 404 {@code PROFILE_NOT_FOUND} when unknown. */
    @Get("/{id}")
    public ProfileView get(@PathVariable String id) {
        return catalogue.find(id).map(ProfileView::of).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND,
                PROFILE_NOT_FOUND, "no device profile '" + id + "' in " + catalogue.dir()));
    }
}
