package io.livehook.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one place requests are let in, before any route: every path under a guarded prefix (but the few it leaves
 * open) must pass {@link ApiAuth#checkRequest}. The API answers a refusal with JSON; the dashboard guards its
 * pages with its own answer (a login redirect). Routes registered in any order are guarded alike.
 */
public final class AccessFilter implements Filter {
    /** How a guarded part answers a request {@link ApiAuth} did not let in. */
    @FunctionalInterface
    public interface Refusal {
        void refuse(ServerRequest req, ServerResponse res, ApiAuth.Decision decision);
    }

    private record Guard(String prefix, Set<String> open, Refusal refusal) {
        boolean covers(String path) {
            return (path.equals(prefix) || path.startsWith(prefix + "/")) && !open.contains(path)
                    && open.stream().noneMatch(o -> o.endsWith("/") && path.startsWith(o));
        }
    }

    private final ApiAuth auth;
    private final List<Guard> guards = new ArrayList<>();

    /** Guards the API under {@link ApiErrors#PREFIX}, all but its description ({@link OpenApiDescription}). */
    public AccessFilter(ApiAuth auth) {
        this.auth = auth;
        guard(ApiErrors.PREFIX, Set.of(ApiErrors.PREFIX + OpenApiDescription.PATH), AccessFilter::refuseApi);
    }

    public ApiAuth auth() {
        return auth;
    }

    /** Guards everything under {@code prefix} except the {@code open} paths (one ending in "/" opens a folder). */
    public AccessFilter guard(String prefix, Set<String> open, Refusal refusal) {
        guards.add(new Guard(prefix, Set.copyOf(open), refusal));
        return this;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().absolute().path();
        for (Guard guard : guards) {
            if (guard.covers(path)) {
                ApiAuth.Decision decision = auth.checkRequest(RequestCredentials.of(req));
                if (!decision.allowed()) {
                    guard.refusal().refuse(req, res, decision);
                    return;
                }
                break;
            }
        }
        chain.proceed();
    }

    /** 401 (who are you) or 403 (a cookie-authenticated change without its CSRF header), as JSON. */
    private static void refuseApi(ServerRequest req, ServerResponse res, ApiAuth.Decision decision) {
        if (decision instanceof ApiAuth.Forbidden forbidden) {
            ApiErrors.answer(res, Status.FORBIDDEN_403, forbidden.message());
        } else {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"livehook\"");
            ApiErrors.answer(res, Status.UNAUTHORIZED_401, ((ApiAuth.Denied) decision).message());
        }
    }
}
