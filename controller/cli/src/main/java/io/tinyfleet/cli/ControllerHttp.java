package io.tinyfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A small JSON/multipart client of the controller's REST API for the OTA verbs. Error bodies
 * ({@code {"code","message"}}) become one-line exceptions naming the code. Multipart is written by
 * hand: java.net.http has no multipart builder and one file part does not justify a dependency.
 */
final class ControllerHttp {

    private final String base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ControllerHttp(String url) {
        String b = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            URI u = URI.create(b);
            if (u.getScheme() == null || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--controller: not a URL: '" + url + "'");
        }
        this.base = b;
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    JsonNode postJson(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
    }

    /** POST multipart with one file part named {@code file} plus text fields. */
    JsonNode postFile(String path, String fileName, byte[] bytes, Map<String, String> fields) {
        return postFiles(path, Map.of("file", Map.entry(fileName, bytes)), fields);
    }

    /** Multipart POST of several file parts (part name -> file name and bytes) plus text fields. */
    JsonNode postFiles(String path, Map<String, Map.Entry<String, byte[]>> files, Map<String, String> fields) {
        String boundary = "tinyfleet-" + UUID.randomUUID();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (Map.Entry<String, String> f : fields.entrySet()) {
                out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey()
                        + "\"\r\n\r\n" + f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            for (Map.Entry<String, Map.Entry<String, byte[]>> f : files.entrySet()) {
                out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey()
                        + "\"; filename=\"" + f.getValue().getKey().replace("\"", "")
                        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                out.write(f.getValue().getValue());
                out.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
    }

    private JsonNode send(HttpRequest.Builder b) {
        HttpResponse<String> r;
        HttpRequest req = b.timeout(Duration.ofMinutes(5)).build();
        try {
            r = client.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IllegalStateException("cannot reach controller " + base + " (is `tinyfleet controller` running?)");
        } catch (IOException e) {
            throw new IllegalStateException("controller " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("controller " + base + " answered " + r.statusCode() + " without JSON to "
                    + req.method() + " " + req.uri().getPath());
        }
        if (r.statusCode() >= 400) {
            throw new IllegalArgumentException("controller refused " + req.method() + " " + req.uri().getPath() + ": "
                    + body.path("code").asText("HTTP_" + r.statusCode()) + ": " + body.path("message").asText(r.body()));
        }
        return body;
    }
}
