package io.tinyfleet.server.api;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every error into an {@link ApiError} body, so no client sees Micronaut's default format. */
@Controller
final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    @Error(global = true)
    HttpResponse<ApiError> api(HttpRequest<?> request, ApiException e) {
        return HttpResponse.<ApiError>status(e.status()).body(e.error());
    }

    @Error(global = true, status = HttpStatus.NOT_FOUND)
    HttpResponse<ApiError> notFound(HttpRequest<?> request) {
        return HttpResponse.<ApiError>notFound().body(new ApiError(ApiError.NOT_FOUND, "no endpoint " + request.getPath()));
    }

    @Error(global = true, status = HttpStatus.METHOD_NOT_ALLOWED)
    HttpResponse<ApiError> methodNotAllowed(HttpRequest<?> request) {
        return HttpResponse.<ApiError>status(HttpStatus.METHOD_NOT_ALLOWED).body(new ApiError(ApiError.METHOD_NOT_ALLOWED,
                request.getMethod() + " is not allowed on " + request.getPath()));
    }

    @Error(global = true)
    HttpResponse<ApiError> unsatisfied(HttpRequest<?> request, UnsatisfiedRouteException e) {
        return HttpResponse.<ApiError>badRequest().body(new ApiError(ApiError.BAD_REQUEST, e.getMessage()));
    }

    @Error(global = true)
    HttpResponse<ApiError> status(HttpRequest<?> request, HttpStatusException e) {
        String code = e.getStatus() == HttpStatus.NOT_FOUND ? ApiError.NOT_FOUND
                : e.getStatus().getCode() < 500 ? ApiError.BAD_REQUEST : ApiError.INTERNAL_ERROR;
        return HttpResponse.<ApiError>status(e.getStatus()).body(new ApiError(code, e.getMessage()));
    }

    @Error(global = true)
    HttpResponse<ApiError> other(HttpRequest<?> request, Throwable e) {
        LOG.error("{} {} failed", request.getMethod(), request.getPath(), e);
        return HttpResponse.<ApiError>serverError().body(new ApiError(ApiError.INTERNAL_ERROR,
                "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())));
    }
}
