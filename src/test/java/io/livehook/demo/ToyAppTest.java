package io.livehook.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.config.ApiKeys;
import io.livehook.livekit.ResourceIds;
import io.livehook.livekit.WebhookSigner;
import io.livehook.livekit.WebhookVerifier;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ToyAppTest {
    private static final Duration SLOW = Duration.ofSeconds(1);
    private final WebhookVerifier verifier = new WebhookVerifier(new ApiKeys(Map.of("APItoy", "toy-secret")),
            Duration.ofSeconds(60), Clock.systemUTC());
    private final WebhookSigner signer = new WebhookSigner("APItoy", "toy-secret", Clock.systemUTC());
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void answersSlowlyOnItsShareOfRequestsAndAtOnceOtherwise() throws Exception {
        int requests = 200;
        try (ToyApp app = ToyApp.start(0.1, SLOW, 3, verifier);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Duration>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String body = "{\"id\":\"EV_" + i + "\",\"event\":\"room_started\"}";
                answers.add(pool.submit(() -> timed(app, body, signer.sign(bytes(body)))));
            }
            long slow = 0;
            for (Future<Duration> answer : answers) {
                Duration took = answer.get();
                assertThat(took).isLessThan(SLOW.multipliedBy(5));
                if (took.compareTo(SLOW) >= 0) {
                    slow++;
                }
            }
            ToyApp.Counts counts = app.counts();
            assertThat(counts.slowAnswers()).as("slow answers counted").isEqualTo(slow);
            assertThat(slow).as("about 10% of %d", requests).isBetween(8L, 35L);
            assertThat(counts.received()).isEqualTo(requests);
            assertThat(counts.duplicates()).isZero();
        }
    }

    @Test
    void countsEachEventIdOnceAndRefusesWhatIsNotSignedByTheKey() throws Exception {
        try (ToyApp app = ToyApp.start(0, SLOW, 1, verifier)) {
            String body = "{\"id\":\"EV_once\",\"event\":\"room_started\"}";
            String token = signer.sign(bytes(body));
            assertThat(status(app, body, token)).isEqualTo(200);
            assertThat(status(app, body, token)).isEqualTo(200);
            String forged = new WebhookSigner("APItoy", "another-secret", Clock.systemUTC()).sign(bytes(body));
            assertThat(status(app, "{\"id\":\"EV_forged\"}", forged)).isEqualTo(401);
            String notJson = "not json";
            assertThat(status(app, notJson, signer.sign(bytes(notJson)))).isEqualTo(400);

            String inferredEnd = "{\"id\":\"" + ResourceIds.INFERRED_EVENT + "end1\",\"event\":\"room_finished\"}";
            assertThat(status(app, inferredEnd, signer.sign(bytes(inferredEnd)))).isEqualTo(200);
            String correction = "{\"id\":\"" + ResourceIds.LIVEHOOK_EVENT + "fix1\",\"event\":\"participant_left\"}";
            assertThat(status(app, correction, signer.sign(bytes(correction)))).isEqualTo(200);

            assertThat(app.counts()).as("livehook's own events are not ones LiveKit sent")
                    .isEqualTo(new ToyApp.Counts(6, 1, 1, 0, 1, 2));
            assertThat(app.received("EV_once")).isTrue();
            assertThat(app.received("EV_forged")).isFalse();
        }
    }

    @Test
    void refusesAShareOutsideZeroToOne() {
        assertThatThrownBy(() -> ToyApp.start(1.5, SLOW, 1, verifier)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slow share");
    }

    private Duration timed(ToyApp app, String body, String token) throws Exception {
        long start = System.nanoTime();
        assertThat(status(app, body, token)).isEqualTo(200);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private int status(ToyApp app, String body, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(app.url()).header("Authorization", token)
                .header("Content-Type", "application/webhook+json").POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
