package io.tinyfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyfleet devices}: lists the fleet a controller knows. */
@Command(name = "devices",
        mixinStandardHelpOptions = true,
        description = "List the devices a controller knows, online first. --json prints the controller's JSON "
                + "(a list of objects with id, online, lastSeen, inventory ...).")
public final class DevicesCommand implements Callable<Integer> {

    @Option(names = "--controller", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "controller base URL (default ${DEFAULT-VALUE})")
    String controller;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Override
    public Integer call() {
        JsonNode devices = fetch(controller);
        if (json) {
            Json.print(System.out, devices);
        } else {
            printTable(System.out, devices);
        }
        return 0;
    }

    /**
     * GET {@code /api/devices}.
     *
     * @throws IllegalStateException naming the URL when the controller cannot be reached or answers an error
     */
    static JsonNode fetch(String controller) {
        String base = controller.endsWith("/") ? controller.substring(0, controller.length() - 1) : controller;
        URI uri;
        try {
            uri = URI.create(base + "/api/devices");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--controller: not a URL: '" + controller + "'");
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r;
        try {
            r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach controller " + base + ": " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        try {
            JsonNode body = Json.mapper().readTree(r.body());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("controller " + base + " answered " + r.statusCode() + ": "
                        + (body.has("code") ? body.get("code").asText() + " " + body.path("message").asText() : r.body()));
            }
            return body;
        } catch (IOException e) {
            throw new IllegalStateException("controller " + base + " sent no JSON (" + r.statusCode() + ")", e);
        }
    }

    private static String reason(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName();
    }

    /** One line per device, online first. */
    static void printTable(PrintStream out, JsonNode devices) {
        String fmt = "%-22s %-8s %-21s %-28s %5s %9s  %-16s %s%n";
        out.printf(fmt, "ID", "STATE", "LAST SEEN", "CPU", "CORES", "RAM", "PROFILE", "TAGS");
        java.util.List<JsonNode> rows = new java.util.ArrayList<>();
        devices.forEach(rows::add);
        rows.sort(java.util.Comparator.comparing((JsonNode d) -> !d.path("online").asBoolean())
                .thenComparing(d -> d.path("id").asText()));
        for (JsonNode d : rows) {
            JsonNode inv = d.path("inventory");
            String state = d.path("online").asBoolean() ? "online" : "offline";
            out.printf(fmt, d.path("id").asText(), state, shortTime(d.path("lastSeen").asText("")),
                    cut(inv.path("cpuModel").asText(""), 28),
                    inv.path("logicalCores").asInt() > 0 ? inv.path("logicalCores").asText() : "?",
                    gib(inv.path("totalMemoryBytes").asLong()),
                    inv.path("deviceProfileId").asText("").isEmpty() ? "-" : inv.path("deviceProfileId").asText(),
                    tags(d.path("tags")));
        }
        long online = rows.stream().filter(d -> d.path("online").asBoolean()).count();
        out.println(rows.size() + " device(s), " + online + " online");
    }

    /** Declared and assigned tags, comma-separated, or "-". */
    private static String tags(JsonNode tags) {
        java.util.List<String> t = new java.util.ArrayList<>();
        tags.forEach(n -> t.add(n.asText()));
        return t.isEmpty() ? "-" : String.join(",", t);
    }

    private static String shortTime(String iso) {
        return iso.length() > 19 ? iso.substring(0, 19).replace('T', ' ') : iso;
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static String gib(long bytes) {
        return bytes <= 0 ? "?" : String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
