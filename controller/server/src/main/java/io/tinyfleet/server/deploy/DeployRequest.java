package io.tinyfleet.server.deploy;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * {@code POST /api/deployments}.
 *
 * @param model            model id (sha256 or a unique prefix of 8+) or name
 * @param targets          device ids, {@code tag:T} (devices whose profile id or arch is T), or {@code tag:all}
 * @param waves            e.g. {@code 1,50%,100%} (default 100%)
 * @param maxP95Ms         latency ceiling checked on every device and gated per rollout (0/null: none)
 * @param minAccuracy      accuracy floor on the eval shard (0/null: none)
 * @param successThreshold % of a wave that must be ACTIVE to start the next (default 100)
 * @param errorThreshold   % of failed devices at which the rollout pauses (default 100 = never... except all)
 * @param chunkSize        bytes per chunk (default from settings)
 * @param latencyRuns      timed runs of the device health check (default 30)
 */
@Serdeable
public record DeployRequest(String model, List<String> targets, @Nullable String waves, @Nullable Double maxP95Ms,
                            @Nullable Double minAccuracy, @Nullable Double successThreshold,
                            @Nullable Double errorThreshold, @Nullable Integer chunkSize, @Nullable Integer latencyRuns) {
}
