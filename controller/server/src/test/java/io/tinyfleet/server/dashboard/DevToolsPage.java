package io.tinyfleet.server.dashboard;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One page of a headless Chromium driven over the Chrome DevTools Protocol (a WebSocket, with the
 * JDK's client): navigate, evaluate JavaScript, and collect every script error, console error and
 * error-level log entry. Used where {@code --dump-dom} cannot go: a page that keeps a Server-Sent
 * Events stream open never reaches the end of {@code --virtual-time-budget}, and the test must act
 * (wait for a live update) while the page is open.
 */
final class DevToolsPage implements AutoCloseable {

    private static final Argument<Map<String, Object>> OBJECT = Argument.mapOf(String.class, Object.class);

    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final WebSocket socket;
    private final JsonMapper json;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    private DevToolsPage(Process process, WebSocket socket, JsonMapper json) {
        this.process = process;
        this.socket = socket;
        this.json = json;
    }

    /** Starts {@code chromium} headless on a fresh profile and attaches to its first page. */
    static DevToolsPage open(Path chromium, Path userDir, JsonMapper json) throws Exception {
        Path err = userDir.resolve("chromium-stderr.txt");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + userDir.resolve("profile"), "--window-size=1280,900",
                "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank")
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String browserWs = null;
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (browserWs == null && System.nanoTime() < end && p.isAlive()) {
                Matcher m = LISTENING.matcher(Files.exists(err) ? Files.readString(err) : "");
                if (m.find()) {
                    browserWs = m.group(1);
                } else {
                    Thread.sleep(50);
                }
            }
            if (browserWs == null) {
                throw new IllegalStateException("chromium did not open its DevTools port: " + Files.readString(err));
            }
            URI base = URI.create(browserWs.replaceFirst("^ws://([^/]+)/.*$", "http://$1"));
            HttpClient http = HttpClient.newHttpClient();
            String pageWs = null;
            while (pageWs == null && System.nanoTime() < end) {
                String list = http.send(HttpRequest.newBuilder(base.resolve("/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (Map<String, Object> target : json.readValue(list, Argument.listOf(OBJECT))) {
                    if ("page".equals(target.get("type"))) {
                        pageWs = (String) target.get("webSocketDebuggerUrl");
                    }
                }
                if (pageWs == null) {
                    Thread.sleep(50);
                }
            }
            if (pageWs == null) {
                throw new IllegalStateException("chromium shows no page target");
            }
            DevToolsPage[] self = new DevToolsPage[1];
            Listener l = new Listener(self);
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageWs), l).get(10, TimeUnit.SECONDS);
            self[0] = new DevToolsPage(p, ws, json);
            l.ready.complete(null);
            for (String domain : List.of("Runtime", "Log", "Page")) {
                self[0].call(domain + ".enable", Map.of());
            }
            return self[0];
        } catch (Exception | Error e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** Navigates and waits until the page's script sets {@code document.body.dataset.rendered} (or reports errors). */
    void load(String url, Duration timeout) throws Exception {
        call("Page.navigate", Map.of("url", url));
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Object r = eval("document.body && (document.body.dataset.rendered || document.body.dataset.errors) || null");
            if (r != null) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(url + " did not render within " + timeout + "; errors: " + errors());
    }

    /** Evaluates {@code js} in the page and returns its value (JSON types), awaiting promises. */
    Object eval(String js) throws Exception {
        Map<String, Object> r = call("Runtime.evaluate", Map.of("expression", js, "returnByValue", true,
                "awaitPromise", true));
        Map<?, ?> result = (Map<?, ?>) r.get("result");
        if (r.containsKey("exceptionDetails")) {
            throw new AssertionError("evaluating " + js + " threw: " + r.get("exceptionDetails"));
        }
        return result == null ? null : result.get("value");
    }

    /** Script exceptions, console errors and error-level log entries seen so far. */
    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText(json.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                .get(10, TimeUnit.SECONDS);
        Map<String, Object> reply = f.get(30, TimeUnit.SECONDS);
        if (reply.containsKey("error")) {
            throw new IllegalStateException(method + " failed: " + reply.get("error"));
        }
        return (Map<String, Object>) reply.getOrDefault("result", Map.of());
    }

    @SuppressWarnings("unchecked")
    private void onMessage(String text) {
        Map<String, Object> m;
        try {
            m = json.readValue(text, OBJECT);
        } catch (IOException e) {
            errors.add("unreadable DevTools message: " + e.getMessage());
            return;
        }
        if (m.get("id") instanceof Number n) {
            CompletableFuture<Map<String, Object>> f = pending.remove(n.intValue());
            if (f != null) {
                f.complete(m);
            }
            return;
        }
        Map<String, Object> p = (Map<String, Object>) m.getOrDefault("params", Map.of());
        switch (String.valueOf(m.get("method"))) {
            case "Runtime.exceptionThrown" -> errors.add("exception: " + p.get("exceptionDetails"));
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(p.get("type")) || "assert".equals(p.get("type"))) {
                    errors.add("console." + p.get("type") + ": " + p.get("args"));
                }
            }
            case "Log.entryAdded" -> {
                Map<String, Object> e = (Map<String, Object>) p.getOrDefault("entry", Map.of());
                if ("error".equals(e.get("level"))) {
                    errors.add("log (" + e.get("source") + "): " + e.get("text") + " " + e.getOrDefault("url", ""));
                }
            }
            default -> {
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.abort();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** Reassembles fragmented text frames and hands whole messages to the page. */
    private static final class Listener implements WebSocket.Listener {
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        private final DevToolsPage[] page;
        private final StringBuilder buf = new StringBuilder();

        Listener(DevToolsPage[] page) {
            this.page = page;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            buf.append(data);
            if (last) {
                String msg = buf.toString();
                buf.setLength(0);
                ready.thenRun(() -> page[0].onMessage(msg));
            }
            ws.request(1);
            return null;
        }
    }
}
