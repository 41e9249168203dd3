package io.livehook.api;

import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.livehook.state.StateUnavailableException;
import java.sql.SQLException;

/** One endpoint of the API: its method, its path below {@link ApiErrors#PREFIX} (a template like {@code /rooms/{room}}). */
public record ApiRoute(Method method, String path, Handler handler) {
    /** What answers a JSON endpoint: the body of its 200. Errors are thrown, see {@link ApiErrors}. */
    @FunctionalInterface
    interface Endpoint {
        Object answer(ServerRequest req) throws SQLException;
    }

    static ApiRoute get(String path, Endpoint endpoint) {
        return new ApiRoute(Method.GET, path, json(endpoint));
    }

    static ApiRoute post(String path, Endpoint endpoint) {
        return new ApiRoute(Method.POST, path, json(endpoint));
    }

    /** The path as a client calls it, with the API's prefix. */
    public String fullPath() {
        return ApiErrors.PREFIX + path;
    }

    /** A store that fails is unavailable for now: 503, the caller may try again. */
    private static Handler json(Endpoint endpoint) {
        return (req, res) -> {
            Object answer;
            try {
                answer = endpoint.answer(req);
            } catch (SQLException e) {
                throw new StateUnavailableException(req.path().path() + ": " + e.getMessage(), e);
            }
            ApiJson.send(res, Status.OK_200, answer);
        };
    }
}
