package io.tinyfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tinyfleet rollouts}: lists rollouts, or resumes / aborts one. */
@Command(name = "rollouts", mixinStandardHelpOptions = true,
        description = "List OTA rollouts (newest first), or --resume / --abort one.")
public final class RolloutsCommand implements Callable<Integer> {

    @Option(names = "--controller", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "controller base URL (default ${DEFAULT-VALUE})")
    String controller;

    static final class Action {
        @Option(names = "--resume", paramLabel = "ID", description = "resume a paused rollout")
        String resume;
        @Option(names = "--abort", paramLabel = "ID", description = "abort a rollout")
        String abort;
    }

    @ArgGroup(exclusive = true)
    Action action;

    @Option(names = "--json", description = "print the controller's JSON")
    boolean json;

    @Override
    public Integer call() {
        ControllerHttp http = new ControllerHttp(controller);
        if (action != null) {
            String id = action.resume != null ? action.resume : action.abort;
            JsonNode r = http.postJson("/api/rollouts/" + id + (action.resume != null ? "/resume" : "/abort"), java.util.Map.of());
            if (json) {
                Json.print(System.out, r);
            } else {
                System.out.printf("rollout %s: %s%n", id, r.path("state").asText());
            }
            return 0;
        }
        JsonNode all = http.get("/api/rollouts");
        if (json) {
            Json.print(System.out, all);
            return 0;
        }
        if (all.isEmpty()) {
            System.out.println("no rollouts");
            return 0;
        }
        System.out.printf("%-16s %-9s %-12s %-11s %-5s %s%n", "ID", "STATE", "MODEL", "WAVES", "WAVE", "DEVICES / REASON");
        for (JsonNode r : all) {
            StringBuilder counts = new StringBuilder();
            r.path("counts").fields().forEachRemaining(e -> counts.append(e.getKey()).append('=')
                    .append(e.getValue().asInt()).append(' '));
            System.out.printf("%-16s %-9s %-12s %-11s %-5s %s%s%n", r.path("id").asText(), r.path("state").asText(),
                    r.path("modelId").asText().substring(0, Math.min(12, r.path("modelId").asText().length())),
                    r.path("waves").asText(), r.path("currentWave").asInt(), counts.toString().strip(),
                    r.path("reason").asText("").isEmpty() ? "" : "  (" + r.path("reason").asText() + ")");
        }
        return 0;
    }
}
