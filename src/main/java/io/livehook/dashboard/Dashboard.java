package io.livehook.dashboard;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.api.AccessFilter;
import io.livehook.deliver.DeliveryService;
import io.livehook.log.EventLog;
import io.livehook.metrics.MetricsHistory;
import io.livehook.state.StateQueries;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The web dashboard under {@code /dashboard}: its routes, with one bundled script and stylesheet, no CDN. Same
 * access rule as the API, through the same {@link AccessFilter}: a browser logs in once with the API token
 * ({@link DashboardLogin}); the retry button posts to the API with the session's CSRF header.
 */
public final class Dashboard implements HttpService {
    public static final String BASE = "/dashboard";
    static final String STATIC = BASE + "/static";
    static final String CSP = DashboardPages.CSP;
    private static final Map<String, String> ASSET_TYPES = Map.of(
            "dashboard.css", "text/css; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final DashboardLogin login;
    private final DashboardPages pages;
    private final Map<String, byte[]> assets = new HashMap<>();

    /** Guards its pages with {@code access}; the login page and the assets stay open. */
    public Dashboard(StateQueries queries, DeliveryService deliveries, EventLog eventLog, AccessFilter access,
            MetricsHistory history, Clock clock) {
        this.login = new DashboardLogin(access.auth(), clock);
        this.pages = new DashboardPages(queries, deliveries, eventLog, history, login, clock);
        access.guard(BASE, Set.of(BASE + "/login", BASE + "/logout", STATIC + "/"), login::refuse);
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
                .get("/login", login::loginPage)
                .post("/login", login::login)
                .post("/logout", login::logout)
                .get("/", pages.page(pages::rooms))
                .get("/rooms/{room}", pages.page(pages::room))
                .get("/events/{id}", pages.page(pages::event))
                .get("/health", pages.page(pages::health))
                .get("/health.json", pages::healthJson)
                .get("/deliveries", pages.page(pages::deliveries))
                .get("/dead-letters", pages.page(pages::deadLetters))
                .any((req, res) -> DashboardPages.html(res, Status.NOT_FOUND_404,
                        DashboardPages.notFound(login.viewer(req), "No such page.")));
    }

    private void asset(ServerRequest req, ServerResponse res) {
        String file = req.path().pathParameters().get("file");
        byte[] bytes = assets.get(file);
        if (bytes == null) {
            DashboardPages.html(res, Status.NOT_FOUND_404, DashboardPages.notFound(Layout.Viewer.ANONYMOUS, "No such file."));
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, ASSET_TYPES.get(file));
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.send(bytes);
    }
}
