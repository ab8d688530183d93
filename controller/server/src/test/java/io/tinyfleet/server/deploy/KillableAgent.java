package io.tinyfleet.server.deploy;

import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.agent.ota.OtaAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real agent in its own JVM for {@link AgentKillTest}: {@code KillableAgent BROKER ID HOME CONTROL_DIR}.
 * Prints {@code READY} once its MQTT session is up, then runs until it is killed.
 *
 * <p>Pause points, so that a SIGKILL lands at a known step: when {@code CONTROL_DIR/pause-STEP}
 * exists (STEP an {@link OtaAgent.Step}, content N), the N-th time the deployment passes STEP
 * after that the agent writes {@code CONTROL_DIR/paused-STEP} and blocks its deployment thread
 * for good, with everything it wrote so far left as it is.
 */
public final class KillableAgent {

    private KillableAgent() {
    }

    public static void main(String[] args) throws Exception {
        Path control = Path.of(args[3]);
        Agent agent = Agent.start(AgentConfig.load(null, Map.of(AgentConfig.BROKER, args[0], AgentConfig.ID, args[1],
                AgentConfig.HOME, args[2], AgentConfig.HEARTBEAT_S, "2")));
        OtaAgent ota = agent.ota().orElseThrow(() -> new IllegalStateException("no controller key pinned in " + args[2]));
        int[] passes = new int[OtaAgent.Step.values().length];
        ota.setCrashHook(step -> {
            Path pause = control.resolve("pause-" + step);
            if (!Files.exists(pause)) {
                return;
            }
            try {
                int n = Integer.parseInt(Files.readString(pause).strip());
                if (++passes[step.ordinal()] == n) {
                    Files.writeString(control.resolve("paused-" + step), "");
                    Thread.sleep(Long.MAX_VALUE); // until SIGKILL
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException("pause control " + pause + ": " + e, e);
            }
        });
        if (!agent.awaitConnected(Duration.ofSeconds(30))) {
            System.err.println("agent " + args[1] + " did not connect to " + args[0]);
            System.exit(2);
        }
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
