package io.livehook.dashboard;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.api.ApiAuth;
import io.livehook.api.ApiJson;
import io.livehook.api.RequestCredentials;
import io.livehook.metrics.LogBudget;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging into the dashboard: a browser trades the API token once for a signed session cookie (HttpOnly,
 * SameSite=Strict) that {@link ApiAuth} checks like the token; a request {@link ApiAuth} refuses is sent here.
 */
final class DashboardLogin {
    private static final Logger log = LoggerFactory.getLogger(DashboardLogin.class);
    private static final int MAX_LOGIN_BODY = 8192;

    private final ApiAuth auth;
    private final LoginThrottle throttle;
    private final LogBudget refusalLines;

    DashboardLogin(ApiAuth auth, Clock clock) {
        this.auth = auth;
        this.throttle = new LoginThrottle(clock);
        this.refusalLines = new LogBudget(20, Duration.ofMinutes(1), clock);
    }

    /** Who is looking: the CSRF token of their session for the page's script, if they came with one. */
    Layout.Viewer viewer(ServerRequest req) {
        if (auth.open()) {
            return new Layout.Viewer(null, false, true);
        }
        for (String cookie : RequestCredentials.sessionCookies(req)) {
            Optional<String> csrf = auth.csrfToken(cookie);
            if (csrf.isPresent()) {
                return new Layout.Viewer(csrf.get(), true, false);
            }
        }
        return Layout.Viewer.ANONYMOUS;
    }

    /** A page request {@link ApiAuth} refused: 403 for a change without its CSRF header, else the login page. */
    void refuse(ServerRequest req, ServerResponse res, ApiAuth.Decision decision) {
        if (decision instanceof ApiAuth.Forbidden forbidden) {
            DashboardPages.html(res, Status.FORBIDDEN_403, DashboardPages.message("Forbidden", forbidden.message(),
                    viewer(req)));
        } else if (req.path().path().endsWith(".json")) {
            ApiJson.send(res, Status.UNAUTHORIZED_401, ApiJson.object().put("error", ((ApiAuth.Denied) decision).message()));
        } else {
            String next = req.path().absolute().rawPath()
                    + (req.query().rawValue().isEmpty() ? "" : "?" + req.query().rawValue());
            redirect(res, Dashboard.BASE + "/login?next=" + Html.query(safeNext(next)));
        }
    }

    void loginPage(ServerRequest req, ServerResponse res) {
        if (auth.open()) {
            redirect(res, Dashboard.BASE);
            return;
        }
        String next = safeNext(req.query().first("next").asOptional().orElse(Dashboard.BASE));
        DashboardPages.html(res, Status.OK_200, LoginPage.render(next, null, auth.tokenConfigured()));
    }

    void login(ServerRequest req, ServerResponse res) {
        if (auth.open()) {
            redirect(res, Dashboard.BASE);
            return;
        }
        String client = LoginThrottle.client(req);
        long waitSeconds = (throttle.waitFor(client).toMillis() + 999) / 1000;
        if (waitSeconds > 0) {
            logRefusal("dashboard login refused: too many wrong tokens (from {})", client);
            res.header(HeaderNames.RETRY_AFTER, Long.toString(waitSeconds));
            DashboardPages.html(res, Status.TOO_MANY_REQUESTS_429, LoginPage.render(Dashboard.BASE,
                    "Too many wrong tokens from your address: try again in " + waitSeconds + " s.", true));
            return;
        }
        Map<String, String> form;
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(MAX_LOGIN_BODY + 1);
            if (body.length > MAX_LOGIN_BODY) {
                DashboardPages.html(res, Status.REQUEST_ENTITY_TOO_LARGE_413, LoginPage.render(Dashboard.BASE,
                        "That request is too large.", auth.tokenConfigured()));
                return;
            }
            form = form(new String(body, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            DashboardPages.html(res, Status.BAD_REQUEST_400, LoginPage.render(Dashboard.BASE,
                    "The login form could not be read.", auth.tokenConfigured()));
            return;
        }
        String next = safeNext(form.getOrDefault("next", Dashboard.BASE));
        if (!auth.tokenConfigured()) {
            DashboardPages.html(res, Status.UNAUTHORIZED_401, LoginPage.render(next, null, false));
            return;
        }
        if (!auth.tokenMatches(form.get("token"))) {
            throttle.failed(client);
            logRefusal("dashboard login refused: wrong token (from {})", client);
            DashboardPages.html(res, Status.UNAUTHORIZED_401, LoginPage.render(next, "That is not livehook's API token.",
                    true));
            return;
        }
        throttle.succeeded(client);
        res.header(HeaderNames.SET_COOKIE, cookie(auth.newSession(), ApiAuth.SESSION_LIFETIME.toSeconds(), req));
        log.info("dashboard login (from {})", req.remotePeer().address());
        redirect(res, next);
    }

    /** Anyone can cause these: at most a few a minute reach the log. */
    private void logRefusal(String message, String client) {
        long left = refusalLines.take();
        if (left >= 0) {
            log.info(message + LogBudget.leftOut(left), client);
        }
    }

    void logout(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.SET_COOKIE, cookie("", 0, req));
        redirect(res, Dashboard.BASE + "/login");
    }

    /** The session cookie: whole site (the API reads it too), script-proof, never sent cross-site. */
    private static String cookie(String value, long maxAgeSeconds, ServerRequest req) {
        boolean https = req.isSecure() || req.headers().first(HeaderNames.create("X-Forwarded-Proto"))
                .map(p -> p.strip().equalsIgnoreCase("https")).orElse(false);
        return ApiAuth.SESSION_COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "");
    }

    /** A local dashboard path to go to after logging in; anything else (another site, odd bytes) is the start page. */
    static String safeNext(String next) {
        String base = Dashboard.BASE;
        if (next == null || next.length() > 2000 || !(next.equals(base) || next.startsWith(base + "/")
                || next.startsWith(base + "?")) || next.contains("//") || next.contains("\\")
                || next.startsWith(base + "/login") || next.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            return base;
        }
        return next;
    }

    private static Map<String, String> form(String body) {
        Map<String, String> values = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.putIfAbsent(name, value);
        }
        return values;
    }

    static void redirect(ServerResponse res, String location) {
        res.status(Status.SEE_OTHER_303);
        res.header(HeaderNames.LOCATION, location);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send();
    }
}
