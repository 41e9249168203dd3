package io.livehook.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.testing.LivehookFixture;
import io.livehook.testing.LivehookProcess;
import io.livehook.testing.TestReceiver;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the client makes of each way a call can go: against a real livehook, nothing, and something else. */
class LivehookClientTest {
    @TempDir
    static Path dir;
    static LivehookFixture lh;

    @BeforeAll
    static void start() {
        lh = LivehookFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        lh.close();
    }

    @Test
    void answersAreJson() throws Exception {
        String id = lh.postEvent("client-room");
        lh.awaitCaughtUp();
        assertThat(lh.client().get("/api/events/" + id, Map.of()).path("event_id").asText()).isEqualTo(id);
        assertThat(lh.client().find("/api/rooms/client-room")).isPresent();
        assertThat(lh.client().find("/api/rooms/no-such-room")).as("404 is absence for find").isEmpty();
    }

    @Test
    void nothingListeningIsUnreachable() throws Exception {
        var client = new LivehookClient(URI.create("http://127.0.0.1:" + LivehookProcess.freePort()), Optional.empty());
        assertThatThrownBy(() -> client.progress()).isInstanceOf(LivehookApiException.Unreachable.class)
                .hasMessageContaining("cannot reach livehook's API at http://127.0.0.1:");
    }

    @Test
    void aMissingOrWrongTokenIsUnauthorizedWithAHint_neverShowingTheToken() {
        var none = new LivehookClient(URI.create(lh.base()), Optional.empty());
        assertThatThrownBy(none::progress).isInstanceOf(LivehookApiException.Unauthorized.class)
                .hasMessageContaining("set --api-token or LIVEHOOK_API_TOKEN");
        var wrong = new LivehookClient(URI.create(lh.base()), Optional.of("not-the-token-xyz"));
        assertThatThrownBy(wrong::progress).isInstanceOf(LivehookApiException.Unauthorized.class)
                .hasMessageContaining("the API token was refused").hasMessageNotContaining("not-the-token-xyz");
    }

    @Test
    void anErrorStatusCarriesLivehooksMessage() {
        assertThatThrownBy(() -> lh.client().get("/api/rooms/no-such-room", Map.of()))
                .isInstanceOfSatisfying(LivehookApiException.HttpError.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessageContaining("HTTP 404").hasMessageContaining("no room with sid or name \"no-such-room\"");
        assertThatThrownBy(() -> lh.client().get("/api/events", Map.of("limit", "0")))
                .isInstanceOf(LivehookApiException.HttpError.class).hasMessageContaining("limit must be");
    }

    @Test
    void anotherServiceIsNotLivehook() throws Exception {
        try (TestReceiver other = TestReceiver.start()) {
            var client = new LivehookClient(URI.create("http://127.0.0.1:" + other.port()), Optional.empty());
            assertThatThrownBy(client::progress).isInstanceOf(LivehookApiException.NotLivehook.class)
                    .hasMessageContaining("is it livehook?");
            other.behave(request -> TestReceiver.Answer.status(404));
            assertThatThrownBy(client::progress).isInstanceOf(LivehookApiException.NotLivehook.class)
                    .hasMessageContaining("HTTP 404");
        }
    }

    @Test
    void awaitProcessedSettlesOnTheProgressEndpoint() throws Exception {
        for (int i = 0; i < 20; i++) {
            lh.postEvent("settle-room-" + (i % 3));
        }
        LivehookClient.Settling settling = lh.client().awaitProcessed(Duration.ofSeconds(30));
        assertThat(settling.settled()).isTrue();
        assertThat(settling.lag()).isZero();
        LivehookClient.Progress progress = lh.client().progress();
        assertThat(progress.lagEvents()).isZero();
        assertThat(progress.applied()).isEqualTo(progress.head()).isGreaterThanOrEqualTo(20);
    }
}
