package io.livehook.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.api.ApiAuth;
import io.livehook.api.RequestCredentials;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.metrics.LogBudget;
import io.livehook.metrics.MetricsHistory;
import io.livehook.state.DeadLetter;
import io.livehook.state.Room;
import io.livehook.state.StateQueries;
import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web dashboard under {@code /dashboard}: server-side HTML (every LiveKit-provided value escaped by
 * {@link Html}) with one bundled script and stylesheet, no CDN. Same access rule as the API ({@link ApiAuth}):
 * a browser logs in once with the API token and gets a signed session cookie (HttpOnly, SameSite=Strict);
 * the retry button posts to the API with the session's CSRF header. Every page is sent with a strict
 * Content-Security-Policy (scripts and styles from livehook only, nothing inline), so even a value that
 * escaped escaping could not run.
 */
public final class Dashboard implements HttpService {
    public static final String BASE = "/dashboard";
    static final String STATIC = BASE + "/static";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
    private static final Map<String, String> ASSET_TYPES = Map.of(
            "dashboard.css", "text/css; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");
    private static final int MAX_LOGIN_BODY = 8192;
    private static final int ACTIVE_ROOMS = 200;
    private static final int FINISHED_ROOMS = 25;
    private static final int TIMELINE_EVENTS = StateQueries.MAX_LIMIT;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StateQueries queries;
    private final EventLog eventLog;
    private final ApiAuth auth;
    private final MetricsHistory history;
    private final Clock clock;
    private final Map<String, byte[]> assets = new HashMap<>();
    private final LoginThrottle loginThrottle;
    private final LogBudget loginLines;

    public Dashboard(StateQueries queries, EventLog eventLog, ApiAuth auth, MetricsHistory history, Clock clock) {
        this.queries = queries;
        this.eventLog = eventLog;
        this.auth = auth;
        this.history = history;
        this.clock = clock;
        this.loginThrottle = new LoginThrottle(clock);
        this.loginLines = new LogBudget(20, Duration.ofMinutes(1), clock);
        for (String name : ASSET_TYPES.keySet()) {
            try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("dashboard asset missing from the classpath: dashboard/" + name);
                }
                assets.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/static/{file}", this::asset)
                .get("/login", this::loginPage)
                .post("/login", this::login)
                .post("/logout", this::logout)
                .any(this::authorize)
                .get("/", page(this::rooms))
                .get("/rooms/{room}", page(this::room))
                .get("/events/{id}", page(this::event))
                .get("/health", page(this::health))
                .get("/health.json", this::healthJson)
                .get("/dead-letters", page(this::deadLetters))
                .any((req, res) -> html(res, Status.NOT_FOUND_404, notFound(viewer(req), "No such page.")));
    }

    // -- access -----------------------------------------------------------------------------------------

    private void authorize(ServerRequest req, ServerResponse res) {
        ApiAuth.Decision decision = auth.checkRequest(RequestCredentials.of(req));
        if (decision.allowed()) {
            res.next();
        } else if (decision instanceof ApiAuth.Forbidden forbidden) {
            html(res, Status.FORBIDDEN_403, message("Forbidden", forbidden.message(), viewer(req)));
        } else if (req.path().path().endsWith(".json")) {
            res.status(Status.UNAUTHORIZED_401);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            res.send(JSON.createObjectNode().put("error", ((ApiAuth.Denied) decision).message()).toString());
        } else {
            String next = req.path().absolute().rawPath()
                    + (req.query().rawValue().isEmpty() ? "" : "?" + req.query().rawValue());
            redirect(res, BASE + "/login?next=" + Html.query(safeNext(next)));
        }
    }

    /** Who is looking: the CSRF token of their session for the page's script, if they came with one. */
    private Layout.Viewer viewer(ServerRequest req) {
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

    private void loginPage(ServerRequest req, ServerResponse res) {
        if (auth.open()) {
            redirect(res, BASE);
            return;
        }
        String next = safeNext(req.query().first("next").asOptional().orElse(BASE));
        html(res, Status.OK_200, LoginPage.render(next, null, auth.tokenConfigured()));
    }

    private void login(ServerRequest req, ServerResponse res) {
        if (auth.open()) {
            redirect(res, BASE);
            return;
        }
        String client = LoginThrottle.client(req);
        long waitSeconds = (loginThrottle.waitFor(client).toMillis() + 999) / 1000;
        if (waitSeconds > 0) {
            logRefusal("dashboard login refused: too many wrong tokens (from {})", client);
            res.header(HeaderNames.RETRY_AFTER, Long.toString(waitSeconds));
            html(res, Status.TOO_MANY_REQUESTS_429, LoginPage.render(BASE, "Too many wrong tokens from your address: "
                    + "try again in " + waitSeconds + " s.", true));
            return;
        }
        Map<String, String> form;
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(MAX_LOGIN_BODY + 1);
            if (body.length > MAX_LOGIN_BODY) {
                html(res, Status.REQUEST_ENTITY_TOO_LARGE_413, LoginPage.render(BASE, "That request is too large.",
                        auth.tokenConfigured()));
                return;
            }
            form = form(new String(body, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            html(res, Status.BAD_REQUEST_400, LoginPage.render(BASE, "The login form could not be read.",
                    auth.tokenConfigured()));
            return;
        }
        String next = safeNext(form.getOrDefault("next", BASE));
        if (!auth.tokenConfigured()) {
            html(res, Status.UNAUTHORIZED_401, LoginPage.render(next, null, false));
            return;
        }
        if (!auth.tokenMatches(form.get("token"))) {
            loginThrottle.failed(client);
            logRefusal("dashboard login refused: wrong token (from {})", client);
            html(res, Status.UNAUTHORIZED_401, LoginPage.render(next, "That is not livehook's API token.", true));
            return;
        }
        loginThrottle.succeeded(client);
        res.header(HeaderNames.SET_COOKIE, cookie(auth.newSession(), ApiAuth.SESSION_LIFETIME.toSeconds(), req));
        log.info("dashboard login (from {})", req.remotePeer().address());
        redirect(res, next);
    }

    /** Anyone can cause these: at most a few a minute reach the log. */
    private void logRefusal(String message, String client) {
        long left = loginLines.take();
        if (left >= 0) {
            log.info(message + LogBudget.leftOut(left), client);
        }
    }

    private void logout(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.SET_COOKIE, cookie("", 0, req));
        redirect(res, BASE + "/login");
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
        if (next == null || next.length() > 2000 || !(next.equals(BASE) || next.startsWith(BASE + "/")
                || next.startsWith(BASE + "?")) || next.contains("//") || next.contains("\\")
                || next.startsWith(BASE + "/login") || next.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            return BASE;
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

    // -- pages ------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Page {
        /** The page's HTML, or a 404 message when what it shows does not exist. */
        Rendered render(ServerRequest req, Layout.Viewer viewer);
    }

    private record Rendered(Status status, String html) {
        static Rendered ok(String html) {
            return new Rendered(Status.OK_200, html);
        }
    }

    private Handler page(Page page) {
        return (req, res) -> {
            Layout.Viewer viewer = viewer(req);
            Rendered rendered;
            try {
                rendered = page.render(req, viewer);
            } catch (StateUnavailableException e) {
                log.warn("dashboard page failed: {}", e.getMessage());
                res.header(HeaderNames.RETRY_AFTER, "1");
                rendered = new Rendered(Status.SERVICE_UNAVAILABLE_503, message("Unavailable",
                        "The state store is unavailable; try again in a moment.", viewer));
            } catch (RuntimeException e) {
                log.error("dashboard page failed", e);
                rendered = new Rendered(Status.INTERNAL_SERVER_ERROR_500, message("Error",
                        "Something went wrong rendering this page; the log says what.", viewer));
            }
            html(res, rendered.status(), rendered.html());
        };
    }

    private Rendered rooms(ServerRequest req, Layout.Viewer viewer) {
        var active = queries.rooms(Room.ACTIVE, null, ACTIVE_ROOMS);
        var finished = queries.rooms(Room.FINISHED, null, FINISHED_ROOMS);
        return Rendered.ok(RoomsPage.render(active.items(), active.more(), finished.items(), clock.millis(), viewer));
    }

    private Rendered room(ServerRequest req, Layout.Viewer viewer) {
        String room = req.path().pathParameters().get("room");
        var detail = queries.room(room);
        if (detail.isEmpty()) {
            return new Rendered(Status.NOT_FOUND_404, notFound(viewer, "No room with sid or name \"" + room + "\"."));
        }
        String sid = detail.get().summary().room().sid();
        var timeline = queries.timeline(sid, null, TIMELINE_EVENTS).orElseThrow();
        return Rendered.ok(RoomPage.render(detail.get(), timeline.entries().items(), timeline.entries().more(),
                timeline.anomalies(), clock.millis(), viewer));
    }

    private Rendered event(ServerRequest req, Layout.Viewer viewer) {
        String id = req.path().pathParameters().get("id");
        Optional<EventSummary> applied = queries.event(id);
        EventPage.Shown shown;
        List<AnomalyRecord> anomalies = List.of();
        if (applied.isPresent()) {
            EventSummary e = applied.get();
            shown = new EventPage.Shown(e.eventId(), e.eventType(), e.createdAtMs(), e.receivedAtMs(), e.keyId(),
                    e.origin(), e.queueKey(), e.roomSid(), e.roomName(), e.participantSid(), e.participantIdentity(),
                    e.trackSid(), e.logPartition(), e.logOffset(), queries.eventBody(id).orElse(null), null);
            String room = e.roomSid() != null ? e.roomSid() : e.roomName();
            if (room != null) {
                anomalies = queries.anomalies(room, null, null, StateQueries.MAX_LIMIT).items().stream()
                        .filter(a -> a.anomaly().eventIds().contains(id)).sorted((a, b) -> Long.compare(a.id(), b.id()))
                        .toList();
            }
        } else {
            Optional<DeadLetter> letter = queries.deadLetter(id);
            if (letter.isEmpty()) {
                return new Rendered(Status.NOT_FOUND_404, notFound(viewer, "No event with id \"" + id + "\"."));
            }
            DeadLetter d = letter.get();
            List<LoggedEvent> found = eventLog.read(d.logPartition(), d.logOffset() - 1, 1);
            LoggedEvent logged = !found.isEmpty() && found.get(0).eventId().equals(id) ? found.get(0) : null;
            shown = new EventPage.Shown(id, d.eventType(), null,
                    logged == null ? d.firstFailedMs() : logged.receivedAt().toEpochMilli(),
                    logged == null ? null : logged.keyId(), logged == null ? null : logged.origin().label(),
                    d.queueKey(), null, null, null, null, null, d.logPartition(), d.logOffset(),
                    logged == null ? null : logged.body(), d);
        }
        return Rendered.ok(EventPage.render(shown, anomalies, viewer));
    }

    private Rendered health(ServerRequest req, Layout.Viewer viewer) {
        List<MetricsHistory.Sample> samples = history.samples();
        MetricsHistory.Sample latest = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        return Rendered.ok(HealthPage.render(latest, queries.anomalies(null, null, null, 10).items(),
                history.interval().toSeconds(), clock.millis(), viewer));
    }

    private Rendered deadLetters(ServerRequest req, Layout.Viewer viewer) {
        String status = req.query().first("status").asOptional()
                .filter(s -> List.of(DeadLetter.OPEN, DeadLetter.RETRYING, DeadLetter.RESOLVED).contains(s))
                .orElse(null);
        var letters = queries.deadLetters(status, null, 200);
        return Rendered.ok(DeadLettersPage.render(letters.items(), letters.more(), status, eventLog.quarantined(50),
                clock.millis(), viewer));
    }

    /**
     * The samples as columns: {@code times_ms} and one array per series ({@code null} where unknown), for
     * the health page's sparklines.
     */
    private void healthJson(ServerRequest req, ServerResponse res) {
        List<MetricsHistory.Sample> samples = history.samples();
        ObjectNode node = JSON.createObjectNode()
                .put("interval_seconds", history.interval().toSeconds())
                .put("window_seconds", history.interval().toSeconds() * history.capacity())
                .put("now_ms", clock.millis());
        ArrayNode times = node.putArray("times_ms");
        Map<String, ArrayNode> series = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (MetricsHistory.Sample s : samples) {
            for (String name : s.values().keySet()) {
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        }
        ObjectNode seriesNode = node.putObject("series");
        for (String name : names) {
            series.put(name, seriesNode.putArray(name));
        }
        for (MetricsHistory.Sample s : samples) {
            times.add(s.atMs());
            for (String name : names) {
                Double v = s.values().get(name);
                if (v == null || v.isNaN() || v.isInfinite()) {
                    series.get(name).addNull();
                } else {
                    series.get(name).add(v);
                }
            }
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.send(node.toString());
    }

    private void asset(ServerRequest req, ServerResponse res) {
        String file = req.path().pathParameters().get("file");
        byte[] bytes = assets.get(file);
        if (bytes == null) {
            html(res, Status.NOT_FOUND_404, notFound(Layout.Viewer.ANONYMOUS, "No such file."));
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, ASSET_TYPES.get(file));
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.send(bytes);
    }

    // -- plumbing ---------------------------------------------------------------------------------------

    private static String notFound(Layout.Viewer viewer, String message) {
        return message("Not found", message, viewer);
    }

    private static String message(String title, String message, Layout.Viewer viewer) {
        return Layout.page(title, "", viewer, h -> h.el("h1", title).el("p", message, "class", "lead"));
    }

    private static void redirect(ServerResponse res, String location) {
        res.status(Status.SEE_OTHER_303);
        res.header(HeaderNames.LOCATION, location);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send();
    }

    static void html(ServerResponse res, Status status, String html) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.send(html.getBytes(StandardCharsets.UTF_8));
    }
}
