package io.tinyfleet.server.dashboard;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves the dashboard's static files from the classpath ({@code dashboard/*.html|js|css}) and
 * Chart.js from its WebJar ({@code org.webjars.npm:chart.js}) at {@code /dashboard/lib/chart.umd.js}.
 * A controller rather than Micronaut's static-resource mapping so the one allowed file-name pattern
 * is explicit and no configuration file needs to change.
 */
@Controller("/dashboard")
public class DashboardController {

    /** Where the Chart.js WebJar puts its UMD build. */
    public static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";

    private static final Pattern FILE = Pattern.compile("[a-z][a-z0-9-]{0,40}\\.(html|js|css)");
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    /** {@code /dashboard} → the fleet page. */
    @Get
    public HttpResponse<?> root() {
        return HttpResponse.redirect(URI.create("/dashboard/index.html"));
    }

    /** Chart.js. */
    @Get("/lib/chart.umd.js")
    public HttpResponse<byte[]> chartJs() {
        return HttpResponse.ok(read(CHART_JS)).contentType("text/javascript; charset=utf-8");
    }

    /** One dashboard file; 404 for anything else. */
    @Get("/{file}")
    public HttpResponse<byte[]> file(@PathVariable String file) {
        if (!FILE.matcher(file).matches()) {
            return HttpResponse.notFound();
        }
        byte[] b = read("dashboard/" + file);
        if (b == null) {
            return HttpResponse.notFound();
        }
        String type = file.endsWith(".html") ? MediaType.TEXT_HTML + "; charset=utf-8"
                : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        return HttpResponse.ok(b).contentType(type).header("Cache-Control", "no-cache");
    }

    private byte[] read(String resource) {
        byte[] cached = cache.get(resource);
        if (cached != null) {
            return cached;
        }
        try (InputStream in = DashboardController.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            byte[] b = in.readAllBytes();
            cache.put(resource, b);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource + ": " + e.getMessage(), e);
        }
    }
}
