package io.tinyfleet.agent.telemetry;

import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.ModelRuntime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A whole agent in one process for the {@code agent} bench suite, which runs it as a separate JVM
 * and reads its {@code /proc/PID} figures: fleet session (birth, heartbeats), telemetry at the given
 * interval, a model loaded in an ONNX Runtime session and benchmarked once, then idle serving.
 *
 * <p>Arguments: {@code BROKER ID HOME MODEL INTERVAL_MS [EMULATE_PROFILE_FILE]}. Prints {@code READY}
 * when the model is loaded and the benchmark report is sent; runs until killed or stdin closes.
 */
public final class AgentProbe {

    private AgentProbe() {
    }

    /** Entry point (see the class comment for the arguments). */
    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: AgentProbe BROKER ID HOME MODEL INTERVAL_MS [EMULATE_PROFILE_FILE]");
            System.exit(2);
        }
        Map<String, String> c = new HashMap<>();
        c.put(AgentConfig.BROKER, args[0]);
        c.put(AgentConfig.ID, args[1]);
        c.put(AgentConfig.HOME, args[2]);
        TelemetryOptions o = TelemetryOptions.defaults().withInterval(Duration.ofMillis(Long.parseLong(args[4])));
        if (args.length > 5) {
            o = o.withEmulation(Emulation.resolve(args[5], Path.of(".")));
        }
        OnnxModel model = OnnxModel.load(Path.of(args[3]));
        try (Agent agent = Agent.start(AgentConfig.of(c, "probe"))) {
            TelemetryAgent telemetry = agent.startTelemetry(o); // closed by agent.close()
            if (!agent.awaitConnected(Duration.ofSeconds(30))) {
                System.err.println("agent did not connect to " + args[0]);
                System.exit(1);
            }
            OnDeviceBenchmark b = new OnDeviceBenchmark(args[1], Optional.empty(), o.emulation(), Optional.empty(),
                    "not measured by the probe", System::currentTimeMillis);
            try (ModelRuntime serving = ModelRuntime.open(model, b.runtimeOptions())) {
                BenchmarkReport r = telemetry.benchmark(new TelemetryAgent.ActiveModel(model, Path.of(args[3]).getFileName()
                        .toString(), OptionalDouble.empty(), 0), "local", "", 100).get();
                System.out.println("READY p50=" + r.getLatencyP50Ms() + " ok=" + r.getOk() + " loaded=" + serving.loadMillis());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // run until stdin closes
                }
            }
        }
    }
}
