package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may call the API: the token holder; everyone in --dev without a token; nobody without a token otherwise. */
class ApiAuthTest {
    static final String TOKEN = "s3cret-api-token";

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

    @Test
    void withATokenOnlyItsHolderGetsIn() {
        try (TestServer server = TestServer.start(dataDir, TOKEN, false)) {
            for (String path : new String[] {"/api/rooms", "/api/events/EV_x/raw", "/api/no-such-thing"}) {
                HttpResponse<byte[]> none = server.get(path, null);
                assertThat(none.statusCode()).as(path).isEqualTo(401);
                assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"livehook\"");
                assertThat(TestServer.parse(none).get("error").asText()).isEqualTo(ApiAuth.MISSING);
            }

            HttpResponse<byte[]> wrong = server.get("/api/rooms", "Bearer wrong-token");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(TestServer.parse(wrong).get("error").asText()).isEqualTo(ApiAuth.INVALID);
            assertThat(TestServer.text(wrong)).doesNotContain("wrong-token").doesNotContain(TOKEN);

            HttpResponse<byte[]> right = server.get("/api/rooms", "Bearer " + TOKEN);
            assertThat(right.statusCode()).isEqualTo(200);
            assertThat(TestServer.text(right)).isEqualTo("{\"rooms\":[],\"next_cursor\":null}");

            HttpResponse<byte[]> retry = server.post("/api/dead-letters/retry", "{\"event_ids\":[\"EV_x\"]}");
            assertThat(retry.statusCode()).isEqualTo(200);
            assertThat(TestServer.text(retry)).isEqualTo("{\"requested\":1,\"queued\":0}");

            assertThat(server.get("/healthz", null).statusCode()).as("outside /api stays open").isEqualTo(200);
        }
    }

    @Test
    void devModeWithoutATokenIsOpen() {
        try (TestServer server = TestServer.start(dataDir, null, true)) {
            assertThat(server.get("/api/rooms", null).statusCode()).isEqualTo(200);
            assertThat(server.get("/api/event-types", "Bearer whatever").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutATokenOutsideDevModeEverythingIsClosedWithTheHint() {
        try (TestServer server = TestServer.start(dataDir, null, false)) {
            for (String path : new String[] {"/api/rooms", "/api/quarantine", "/api/events/EV_x/raw"}) {
                HttpResponse<byte[]> response = server.get(path, "Bearer guess");
                assertThat(response.statusCode()).as(path).isEqualTo(401);
                assertThat(TestServer.parse(response).get("error").asText()).contains("LIVEHOOK_API_TOKEN");
            }
            HttpResponse<byte[]> retry = server.post("/api/dead-letters/retry", "{\"event_ids\":[\"EV_x\"]}");
            assertThat(retry.statusCode()).isEqualTo(401);
        }
    }
}
