package io.livehook.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.testing.LivehookFixture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard over plain HTTP against a real livehook: access, session cookie, CSRF, escaping, headers. */
class DashboardHttpTest {
    static final String TOKEN = "dashboard-http-test-token-5e6f7a8b";
    static final String FORM = "application/x-www-form-urlencoded";

    @TempDir
    static Path dataDir;
    static Story story;

    @BeforeAll
    static void start() throws InterruptedException {
        story = Story.start(dataDir, TOKEN, false).tell();
    }

    @AfterAll
    static void stop() {
        story.close();
    }

    /** Logs in; returns the session cookie pair ("livehook_session=..."). */
    static String login() {
        HttpResponse<String> response = story.post("/dashboard/login", FORM, "token=" + TOKEN + "&next=%2Fdashboard");
        assertThat(response.statusCode()).isEqualTo(303);
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    static String csrfOf(String html) {
        Matcher m = Pattern.compile("<meta name=\"livehook-csrf\" content=\"([^\"]*)\">").matcher(html);
        assertThat(m.find()).as("csrf meta in page").isTrue();
        return m.group(1);
    }

    @Test
    void withoutASessionPagesSendToTheLoginPageAndDataIsRefused() {
        HttpResponse<String> page = story.get("/dashboard/rooms/RM_sync?x=1");
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location"))
                .contains("/dashboard/login?next=" + java.net.URLEncoder.encode("/dashboard/rooms/RM_sync?x=1",
                        java.nio.charset.StandardCharsets.UTF_8));
        assertThat(page.body()).doesNotContain("weekly-sync");

        HttpResponse<String> json = story.get("/dashboard/health.json");
        assertThat(json.statusCode()).isEqualTo(401);
        assertThat(json.body()).contains("Missing API token");

        HttpResponse<String> login = story.get("/dashboard/login");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("id=\"login-form\"").contains("type=\"password\"");
        assertThat(login.headers().firstValue("Content-Security-Policy")).contains(Dashboard.CSP);

        assertThat(story.get("/").headers().firstValue("Location")).contains("/dashboard");
    }

    @Test
    void aWrongTokenIsRefusedAndNeverEchoed() {
        HttpResponse<String> response = story.post("/dashboard/login", FORM,
                "token=wrong-guess-%3Cb%3E&next=%2Fdashboard");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(response.body()).contains("That is not livehook").doesNotContain("wrong-guess")
                .doesNotContain(TOKEN);
        // the bearer route refuses a wrong token too
        assertThat(story.get("/dashboard", "Authorization", "Bearer wrong").statusCode()).isEqualTo(303);
    }

    @Test
    void loggingInSetsAStrictHttpOnlySessionCookieThatIsNotTheToken() {
        HttpResponse<String> response = story.post("/dashboard/login", FORM,
                "token=" + TOKEN + "&next=%2Fdashboard%2Frooms%2FRM_sync");
        assertThat(response.statusCode()).isEqualTo(303);
        assertThat(response.headers().firstValue("Location")).contains("/dashboard/rooms/RM_sync");
        String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("livehook_session=v1.").contains("; Path=/").contains("; HttpOnly")
                .contains("; SameSite=Strict").contains("; Max-Age=43200").doesNotContain(TOKEN)
                .doesNotContain("Secure");
        assertThat(response.body()).doesNotContain(TOKEN);

        // behind a TLS proxy the cookie is Secure
        HttpResponse<String> proxied = story.post("/dashboard/login", FORM, "token=" + TOKEN,
                "X-Forwarded-Proto", "https");
        assertThat(proxied.headers().firstValue("Set-Cookie").orElseThrow()).contains("; Secure");

        // only local dashboard paths are followed after login
        for (String next : List.of("https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2Fdashboard%2F%2Fevil",
                "%2Fapi%2Frooms", "%2Fdashboard%5C..", "%2Fdashboard%0d%0aX-Injected%3A%201")) {
            HttpResponse<String> r = story.post("/dashboard/login", FORM, "token=" + TOKEN + "&next=" + next);
            assertThat(r.headers().firstValue("Location")).as(next).contains("/dashboard");
            assertThat(r.headers().firstValue("X-Injected")).isEmpty();
        }

        HttpResponse<String> logout = story.post("/dashboard/logout", FORM, "", "Cookie", login());
        assertThat(logout.statusCode()).isEqualTo(303);
        assertThat(logout.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("livehook_session=;")
                .contains("Max-Age=0");
    }

    @Test
    void theSessionOpensTheDashboardAndTheApiButChangesNeedItsCsrfHeader() {
        String cookie = login();
        HttpResponse<String> rooms = story.get("/dashboard", "Cookie", cookie);
        assertThat(rooms.statusCode()).isEqualTo(200);
        assertThat(rooms.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(rooms.headers().firstValue("Content-Security-Policy")).contains(Dashboard.CSP);
        assertThat(rooms.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(rooms.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(rooms.body()).contains("weekly-sync").contains("retro").contains("Log out");
        String csrf = csrfOf(rooms.body());
        assertThat(csrf).isNotEmpty().doesNotContain(TOKEN);

        assertThat(story.get("/api/rooms/RM_sync", "Cookie", cookie).statusCode()).isEqualTo(200);

        String retry = "{\"event_ids\":[\"EV_nothing\"]}";
        HttpResponse<String> noHeader = story.post("/api/dead-letters/retry", "application/json", retry, "Cookie", cookie);
        assertThat(noHeader.statusCode()).isEqualTo(403);
        assertThat(noHeader.body()).contains("X-Livehook-Csrf");
        assertThat(story.post("/api/dead-letters/retry", "application/json", retry, "Cookie", cookie,
                "X-Livehook-Csrf", csrf + "x").statusCode()).isEqualTo(403);
        assertThat(story.post("/api/dead-letters/retry", "application/json", retry, "Cookie", cookie,
                "X-Livehook-Csrf", csrfOf(story.get("/dashboard", "Cookie", login()).body())).statusCode())
                .as("another session's token").isEqualTo(403);
        HttpResponse<String> ok = story.post("/api/dead-letters/retry", "application/json", retry, "Cookie", cookie,
                "X-Livehook-Csrf", csrf);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"requested\":1,\"queued\":0}");

        // a forged cookie is nobody
        assertThat(story.get("/dashboard", "Cookie", cookie + "x").statusCode()).isEqualTo(303);
        assertThat(story.get("/api/rooms", "Cookie", cookie + "x").statusCode()).isEqualTo(401);
        // bearer callers may read pages too
        assertThat(story.get("/dashboard/rooms/RM_sync", "Authorization", "Bearer " + TOKEN).statusCode())
                .isEqualTo(200);
    }

    @Test
    void hostileValuesFromLiveKitAreEscapedEverywhere() {
        String cookie = login();
        for (String path : List.of("/dashboard", "/dashboard/rooms/RM_sync", "/dashboard/events/EV_jb",
                "/dashboard/dead-letters", "/dashboard/health", "/dashboard/deliveries", "/dashboard/rooms/RM_hostile")) {
            HttpResponse<String> page = story.get(path, "Cookie", cookie);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            String html = page.body();
            assertThat(html).as(path).doesNotContain("<script>").doesNotContain("<img").doesNotContain("<b>");
            // the only script element is the bundled one
            assertThat(html.split("<script", -1)).as(path).hasSize(2);
            assertThat(html).as(path).contains("<script src=\"/dashboard/static/dashboard.js\" defer=\"\">");
        }
        String room = story.get("/dashboard/rooms/RM_sync", "Cookie", cookie).body();
        assertThat(room).contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;");
        assertThat(room).contains("&lt;b&gt;planning&lt;/b&gt;");
        String quarantine = story.get("/dashboard/dead-letters", "Cookie", cookie).body();
        assertThat(quarantine).contains("this is not json &lt;script&gt;alert(3)&lt;/script&gt;");
        // a room's name is the queue key of its dead deliveries
        assertThat(quarantine).contains("<td class=\"mono\">" + Html.escape(Story.HOSTILE_ROOM) + "</td>");
    }

    @Test
    void theDeliveriesPageShowsEachDestinationsBacklogCircuitAndDead() {
        HttpResponse<String> page = story.get("/dashboard/deliveries", "Cookie", login());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains(Dashboard.CSP);
        String html = page.body();
        assertThat(html).contains("<a href=\"/dashboard/deliveries\" class=\"current\" aria-current=\"page\">");
        long applied = story.fixture.deliveryStore().count("app", "delivered");
        assertThat(applied).isGreaterThan(10);
        assertThat(row(html, "app")).contains("data-circuit=\"closed\"").contains("<td class=\"num pending\">0</td>")
                .contains("<td class=\"num delivered\">" + applied + "</td>").doesNotContain("data-retry-destination");
        assertThat(row(html, "audit")).contains("<td class=\"num dead strong\">2</td>").contains("HTTP 400")
                .contains("data-retry-destination=\"audit\">Retry 2 dead</button>").contains("data-replay=\"audit\"");
        assertThat(row(html, "crm")).contains("data-circuit=\"open\"").contains(">open</span>")
                .contains("next try in ").contains("<td class=\"num pending strong\">" + applied + "</td>")
                .containsPattern("class=\"nowrap oldest\" title=\"queued [0-9-]+ [0-9:]+\">[0-9]+[smh]");

        String dead = story.get("/dashboard/dead-letters", "Cookie", login()).body();
        assertThat(dead).contains("id=\"delivery-dead-letters\"")
                .contains("data-retry-delivery=\"EV_rf2\" data-destination=\"audit\"")
                .contains("data-retry-delivery=\"EV_rf3\" data-destination=\"audit\"");
        assertThat(story.get("/dashboard/deliveries").statusCode()).as("without a session").isEqualTo(303);
    }

    /** The row of one destination on the deliveries page. */
    private static String row(String html, String destination) {
        int start = html.indexOf("<tr data-destination=\"" + destination + "\"");
        assertThat(start).as(destination + "'s row").isNotNegative();
        return html.substring(start, html.indexOf("</tr>", start));
    }

    @Test
    void theDeliveryFormsPostWithTheSessionsCsrfHeaderLikeTheDeadLetterRetry() {
        String cookie = login();
        String csrf = csrfOf(story.get("/dashboard/deliveries", "Cookie", cookie).body());
        String retry = "{\"destination\":\"audit\",\"event_ids\":[\"EV_nothing\"]}";
        String replay = "{\"destination\":\"app\",\"event_ids\":[\"EV_nothing\"]}";
        for (String[] form : List.of(new String[] {"/api/deliveries/retry", retry, "{\"retried\":0}"},
                new String[] {"/api/deliveries/replay", replay, "{\"created\":0}"})) {
            HttpResponse<String> none = story.post(form[0], "application/json", form[1], "Cookie", cookie);
            assertThat(none.statusCode()).as(form[0]).isEqualTo(403);
            assertThat(none.body()).contains("X-Livehook-Csrf");
            assertThat(story.post(form[0], "application/json", form[1], "Cookie", cookie, "X-Livehook-Csrf",
                    csrf + "x").statusCode()).as(form[0]).isEqualTo(403);
            HttpResponse<String> ok = story.post(form[0], "application/json", form[1], "Cookie", cookie,
                    "X-Livehook-Csrf", csrf);
            assertThat(ok.statusCode()).as(form[0]).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(form[2]);
        }
        assertThat(story.fixture.deliveryStore().count("audit", "dead")).as("nothing changed").isEqualTo(2);
    }

    @Test
    void theRoomPageDrawsSessionsTracksAnomaliesAndLinksEveryEvent() {
        String html = story.get("/dashboard/rooms/RM_sync", "Cookie", login()).body();
        assertThat(html).contains("data-session=\"PA_alice\"").contains("data-session=\"PA_bob\"")
                .contains("data-session=\"PA_carol\"").contains("data-track=\"TR_carol_screen\"")
                .contains("data-kind=\"track_from_unknown_participant\"");
        // carol's start is inferred (hatched), alice is still in (open)
        assertThat(html).containsPattern("data-session=\"PA_carol\" data-start=\"inferred\" data-end=\"open\"");
        assertThat(html).containsPattern("data-session=\"PA_alice\" data-start=\"known\" data-end=\"open\"");
        assertThat(html).containsPattern("data-session=\"PA_bob\" data-start=\"known\" data-end=\"known\"");
        for (String id : List.of("EV_rs", "EV_ja", "EV_jb", "EV_pa", "EV_pb", "EV_pc", "EV_ub", "EV_lb")) {
            assertThat(html).contains("href=\"/dashboard/events/" + id + "\"");
        }
        String retro = story.get("/dashboard/rooms/retro", "Cookie", login()).body();
        assertThat(retro).containsPattern("data-session=\"PA_dave\" data-start=\"known\" data-end=\"inferred\"")
                .contains("data-kind=\"session_ended_by_room_finished\"");
        assertThat(story.get("/dashboard/rooms/RM_nope", "Cookie", login()).statusCode()).isEqualTo(404);
    }

    @Test
    void anEventPageShowsItsExactBodyAndTheKeyThatVerifiedIt() {
        String cookie = login();
        String html = story.get("/dashboard/events/EV_pc", "Cookie", cookie).body();
        assertThat(html).contains("Verified with key <code id=\"key-id\">" + LivehookFixture.API_KEY + "</code>")
                .contains("track_from_unknown_participant")
                .contains(Html.escape(story.bodies.get("EV_pc")));
        String dead = story.get("/dashboard/events/EV_bad", "Cookie", cookie).body();
        assertThat(dead).contains("dead letter: open").contains(Html.escape(story.bodies.get("EV_bad")))
                .contains(LivehookFixture.API_KEY);
        assertThat(story.get("/dashboard/events/EV_nope", "Cookie", cookie).statusCode()).isEqualTo(404);
    }

    @Test
    void healthJsonHoldsTheSamples() {
        story.livehook.history().sample();
        story.livehook.history().sample();
        JsonNode health;
        try {
            health = Story.JSON.readTree(story.get("/dashboard/health.json", "Cookie", login()).body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(health.get("interval_seconds").asInt()).isEqualTo(10);
        assertThat(health.get("window_seconds").asInt()).isEqualTo(3600);
        int n = health.get("times_ms").size();
        assertThat(n).isGreaterThanOrEqualTo(2);
        for (String series : List.of("ingest.appended", "ingest.quarantined", "ack.p50_ms", "ack.p99_ms",
                "lag.seconds", "lag.events", "anomalies", "dead_letters", "rooms.active", "processed.applied")) {
            assertThat(health.get("series").get(series)).as(series).isNotNull().hasSize(n);
        }
        assertThat(health.get("series").get("dead_letters").get(n - 1).asDouble()).isEqualTo(1.0);
        assertThat(health.get("series").get("rooms.active").get(n - 1).asDouble()).isEqualTo(1.0);
    }

    @Test
    void assetsAreServedWithoutASession() {
        HttpResponse<String> js = story.get("/dashboard/static/dashboard.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).contains("text/javascript; charset=utf-8");
        assertThat(story.get("/dashboard/static/dashboard.css").headers().firstValue("Content-Type"))
                .contains("text/css; charset=utf-8");
        assertThat(story.get("/dashboard/static/..%2Fdashboard.css").statusCode()).isNotEqualTo(200);
        assertThat(story.get("/dashboard/static/nope.js").statusCode()).isEqualTo(404);
        assertThat(story.get("/dashboard/nope", "Cookie", login()).statusCode()).isEqualTo(404);
    }

    @Test
    void devModeWithoutATokenIsOpenAndSaysSo(@TempDir Path dir) {
        try (Story dev = Story.start(dir, null, true)) {
            HttpResponse<String> rooms = dev.get("/dashboard");
            assertThat(rooms.statusCode()).isEqualTo(200);
            assertThat(rooms.body()).contains("Dev mode without an API token").doesNotContain("Log out");
            assertThat(dev.get("/dashboard/login").headers().firstValue("Location")).contains("/dashboard");
            assertThat(dev.get("/dashboard/health.json").statusCode()).isEqualTo(200);
            assertThat(dev.post("/api/dead-letters/retry", "application/json", "{\"event_ids\":[\"EV_x\"]}")
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutATokenOutsideDevModeNobodyCanLogIn(@TempDir Path dir) {
        try (Story closed = Story.start(dir, null, false)) {
            assertThat(closed.get("/dashboard").statusCode()).isEqualTo(303);
            assertThat(closed.get("/dashboard/login").body()).contains("no API token is configured");
            HttpResponse<String> login = closed.post("/dashboard/login", FORM, "token=anything");
            assertThat(login.statusCode()).isEqualTo(401);
            assertThat(login.headers().firstValue("Set-Cookie")).isEmpty();
        }
    }
}
