package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.testing.HandClock;
import io.livehook.testing.LivehookFixture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may call the API: the token holder; everyone in --dev without a token; nobody without a token otherwise. */
class ApiAuthTest {
    static final String TOKEN = "s3cret-api-token-9f8e7d6c5b4a3210";

    @TempDir
    Path dataDir;

    @Test
    void bearerTokenChecks() {
        ApiAuth auth = new ApiAuth(Optional.of(TOKEN), false);
        assertThat(auth.check("Bearer " + TOKEN).allowed()).isTrue();
        assertThat(auth.check("bearer  " + TOKEN + " ").allowed()).isTrue();
        assertThat(auth.check(null)).isEqualTo(new ApiAuth.Denied(ApiAuth.MISSING));
        assertThat(auth.check("")).isEqualTo(new ApiAuth.Denied(ApiAuth.MISSING));
        assertThat(auth.check("Bearer ")).isEqualTo(new ApiAuth.Denied(ApiAuth.MISSING));
        assertThat(auth.check(TOKEN)).as("bare token, no scheme").isEqualTo(new ApiAuth.Denied(ApiAuth.MISSING));
        assertThat(auth.check("Basic " + TOKEN)).isEqualTo(new ApiAuth.Denied(ApiAuth.MISSING));
        assertThat(auth.check("Bearer " + TOKEN + "x")).isEqualTo(new ApiAuth.Denied(ApiAuth.INVALID));
        assertThat(auth.check("Bearer " + TOKEN.substring(1))).isEqualTo(new ApiAuth.Denied(ApiAuth.INVALID));
        // a configured token is required in dev mode too
        assertThat(new ApiAuth(Optional.of(TOKEN), true).check(null).allowed()).isFalse();
        assertThat(new ApiAuth(Optional.empty(), true).check(null).allowed()).isTrue();
        assertThat(new ApiAuth(Optional.empty(), false).check("Bearer anything"))
                .isEqualTo(new ApiAuth.Denied(ApiAuth.NO_TOKEN_CONFIGURED));
        assertThat(auth.toString()).doesNotContain(TOKEN);
    }

    private static ApiAuth.Credentials cookie(String value, boolean changes, String csrf) {
        return new ApiAuth.Credentials(null, List.of(value), changes, csrf);
    }

    @Test
    void sessionCookiesAreSignedExpireAndNeedTheCsrfTokenForChanges() {
        HandClock clock = new HandClock();
        ApiAuth auth = new ApiAuth(Optional.of(TOKEN), false, clock);
        assertThat(auth.tokenMatches(TOKEN)).isTrue();
        assertThat(auth.tokenMatches(TOKEN + " ")).isFalse();
        assertThat(auth.tokenMatches(null)).isFalse();

        String session = auth.newSession();
        assertThat(session).doesNotContain(TOKEN).matches("v1\\.\\d+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(auth.newSession()).as("every login is its own session").isNotEqualTo(session);
        String csrf = auth.csrfToken(session).orElseThrow();
        assertThat(csrf).doesNotContain(TOKEN).isNotEqualTo(session);

        assertThat(auth.checkRequest(cookie(session, false, null)).allowed()).isTrue();
        assertThat(auth.checkRequest(cookie(session, true, csrf)).allowed()).isTrue();
        assertThat(auth.checkRequest(cookie(session, true, null))).isEqualTo(new ApiAuth.Forbidden(ApiAuth.CSRF_MISSING));
        assertThat(auth.checkRequest(cookie(session, true, csrf + "x"))).isInstanceOf(ApiAuth.Forbidden.class);
        assertThat(auth.checkRequest(cookie(session, true, auth.csrfToken(auth.newSession()).orElseThrow())))
                .as("another session's CSRF token").isInstanceOf(ApiAuth.Forbidden.class);

        // tampering with any part breaks the MAC
        String[] parts = session.split("\\.");
        String later = parts[0] + "." + (Long.parseLong(parts[1]) + 3600) + "." + parts[2] + "." + parts[3];
        for (String forged : List.of(later, session + "x", session.substring(1), "v1.1.2.3", "", "garbage",
                TOKEN)) {
            assertThat(auth.checkRequest(cookie(forged, false, null))).as(forged)
                    .isEqualTo(new ApiAuth.Denied(ApiAuth.SESSION_INVALID));
            assertThat(auth.csrfToken(forged)).isEmpty();
        }
        // one good cookie among several (another path's stale one) is enough
        assertThat(auth.checkRequest(new ApiAuth.Credentials(null, List.of("stale", session), false, null)).allowed())
                .isTrue();
        // a session made with another token is worthless here
        String foreign = new ApiAuth(Optional.of("other-token"), false, clock).newSession();
        assertThat(auth.checkRequest(cookie(foreign, false, null)).allowed()).isFalse();

        // a bearer header wins over the cookie; a non-bearer Authorization (a proxy's Basic) does not hide it
        assertThat(auth.checkRequest(new ApiAuth.Credentials("Bearer wrong", List.of(session), false, null)))
                .isEqualTo(new ApiAuth.Denied(ApiAuth.INVALID));
        assertThat(auth.checkRequest(new ApiAuth.Credentials("Bearer " + TOKEN, List.of(), true, null)).allowed())
                .as("bearer callers need no CSRF token").isTrue();
        assertThat(auth.checkRequest(new ApiAuth.Credentials("Basic dXNlcjpwdw==", List.of(session), false, null))
                .allowed()).isTrue();

        clock.advance(ApiAuth.SESSION_LIFETIME.minusSeconds(1));
        assertThat(auth.checkRequest(cookie(session, false, null)).allowed()).isTrue();
        clock.advance(Duration.ofSeconds(2));
        assertThat(auth.checkRequest(cookie(session, false, null))).isEqualTo(new ApiAuth.Denied(ApiAuth.SESSION_INVALID));
        assertThat(auth.csrfToken(session)).isEmpty();

        // no token configured: no sessions; open dev mode lets everything through
        assertThat(new ApiAuth(Optional.empty(), false, clock).checkRequest(cookie(session, false, null)))
                .isEqualTo(new ApiAuth.Denied(ApiAuth.NO_TOKEN_CONFIGURED));
        assertThat(new ApiAuth(Optional.empty(), true, clock).checkRequest(cookie("x", true, null)).allowed()).isTrue();
        assertThat(new ApiAuth(Optional.empty(), true, clock).tokenMatches("")).isFalse();
    }

    @Test
    void withATokenOnlyItsHolderGetsIn() {
        try (LivehookFixture server = LivehookFixture.in(dataDir).token(TOKEN).dev(false).start()) {
            for (String path : new String[] {"/api/rooms", "/api/events/EV_x/raw", "/api/no-such-thing"}) {
                HttpResponse<byte[]> none = server.get(path, null);
                assertThat(none.statusCode()).as(path).isEqualTo(401);
                assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"livehook\"");
                assertThat(LivehookFixture.parse(none).get("error").asText()).isEqualTo(ApiAuth.MISSING);
            }

            HttpResponse<byte[]> wrong = server.get("/api/rooms", "Bearer wrong-token");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(LivehookFixture.parse(wrong).get("error").asText()).isEqualTo(ApiAuth.INVALID);
            assertThat(LivehookFixture.text(wrong)).doesNotContain("wrong-token").doesNotContain(TOKEN);

            HttpResponse<byte[]> right = server.get("/api/rooms", "Bearer " + TOKEN);
            assertThat(right.statusCode()).isEqualTo(200);
            assertThat(LivehookFixture.text(right)).isEqualTo("{\"rooms\":[],\"next_cursor\":null}");

            HttpResponse<byte[]> retry = server.post("/api/dead-letters/retry", "{\"event_ids\":[\"EV_x\"]}");
            assertThat(retry.statusCode()).isEqualTo(200);
            assertThat(LivehookFixture.text(retry)).isEqualTo("{\"requested\":1,\"queued\":0}");

            assertThat(server.get("/healthz", null).statusCode()).as("outside /api stays open").isEqualTo(200);
        }
    }

    @Test
    void devModeWithoutATokenIsOpen() {
        try (LivehookFixture server = LivehookFixture.in(dataDir).token(null).dev(true).start()) {
            assertThat(server.get("/api/rooms", null).statusCode()).isEqualTo(200);
            assertThat(server.get("/api/event-types", "Bearer whatever").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutATokenOutsideDevModeEverythingIsClosedWithTheHint() {
        try (LivehookFixture server = LivehookFixture.in(dataDir).token(null).dev(false).start()) {
            for (String path : new String[] {"/api/rooms", "/api/quarantine", "/api/events/EV_x/raw"}) {
                HttpResponse<byte[]> response = server.get(path, "Bearer guess");
                assertThat(response.statusCode()).as(path).isEqualTo(401);
                assertThat(LivehookFixture.parse(response).get("error").asText()).contains("LIVEHOOK_API_TOKEN");
            }
            HttpResponse<byte[]> retry = server.post("/api/dead-letters/retry", "{\"event_ids\":[\"EV_x\"]}");
            assertThat(retry.statusCode()).isEqualTo(401);
        }
    }
}
