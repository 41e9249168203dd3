package io.livehook.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.state.StateUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the API answers a failure, registered once for the whole server: an {@link ApiException} with its status,
 * a state store that cannot answer with 503 and {@code Retry-After}, anything else with 500 (logged, never
 * shown), and a path under {@link #PREFIX} that no endpoint serves with 404. Every answer is JSON
 * {@code {"error": message}}.
 */
public final class ApiErrors {
    public static final String PREFIX = "/api";
    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {}

    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, (req, res, e) -> answer(res, e.status(), e.getMessage()))
                .error(StateUnavailableException.class, (req, res, e) -> {
                    log.warn("{} {} failed: {}", req.prologue().method().text(), req.path().path(), e.getMessage());
                    res.header(HeaderNames.RETRY_AFTER, "1");
                    answer(res, Status.SERVICE_UNAVAILABLE_503, "state store unavailable, try again");
                })
                .error(NotFoundException.class, ApiErrors::notFound)
                .error(RuntimeException.class, (req, res, e) -> {
                    log.error("{} {} failed", req.prologue().method().text(), req.path().path(), e);
                    answer(res, Status.INTERNAL_SERVER_ERROR_500, "internal error");
                });
    }

    private static void notFound(ServerRequest req, ServerResponse res, NotFoundException e) {
        String path = req.path().absolute().path();
        if (path.equals(PREFIX) || path.startsWith(PREFIX + "/")) {
            answer(res, Status.NOT_FOUND_404, "no such API endpoint: " + req.prologue().method().text() + " " + path);
        } else {
            res.status(Status.NOT_FOUND_404).header(HeaderNames.CONTENT_TYPE, "text/plain").send("Not Found");
        }
    }

    static void answer(ServerResponse res, Status status, String message) {
        ApiJson.send(res, status, ApiJson.object().put("error", message));
    }
}
