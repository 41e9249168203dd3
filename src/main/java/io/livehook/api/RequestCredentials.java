package io.livehook.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import java.util.List;

/** What a Helidon request presents to {@link ApiAuth}: shared by the API and the dashboard. */
public final class RequestCredentials {
    private RequestCredentials() {}

    public static ApiAuth.Credentials of(ServerRequest req) {
        Method method = req.prologue().method();
        boolean changes = !(Method.GET.equals(method) || Method.HEAD.equals(method));
        return new ApiAuth.Credentials(
                req.headers().first(HeaderNames.AUTHORIZATION).orElse(null),
                sessionCookies(req),
                changes,
                req.headers().first(HeaderNames.create(ApiAuth.CSRF_HEADER)).orElse(null));
    }

    /** Every {@link ApiAuth#SESSION_COOKIE} the request carries (a browser may send several); none if unparsable. */
    public static List<String> sessionCookies(ServerRequest req) {
        try {
            var cookies = req.headers().cookies();
            return cookies.contains(ApiAuth.SESSION_COOKIE) ? List.copyOf(cookies.all(ApiAuth.SESSION_COOKIE)) : List.of();
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
