package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.livekit.WebhookSigner;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.state.DeliveryFilter;
import io.livehook.state.DeliveryStore;
import io.livehook.state.StateStore;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.LivehookProcess;
import io.livehook.testing.TestReceiver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged livehook, killed with SIGKILL while deliveries are in flight, then started again: every
 * event reaches the destination at least once, and none twice unless its outcome was unknown at the kill.
 *
 * <p>"Unknown" means: livehook had recorded the attempt as in flight (it commits that before the request
 * goes out) and had not recorded an answer when it died. The request may or may not have reached the
 * receiver, and its answer was lost, so livehook must send it again: at-least-once allows that duplicate
 * and no other. After the restart those attempts read {@code outcome = unknown} in the history.
 */
class KillNineIT {
    private static final int ROOMS = 8;
    private static final int PER_ROOM = 6;
    private static final int CONCURRENCY = 4;

    @TempDir
    Path dir;

    @Test
    void kill_9_during_delivery_loses_nothing_and_duplicates_only_unknown_outcomes() throws Exception {
        Path jar = Path.of("target", "livehook.jar").toAbsolutePath();
        assertThat(jar).exists();
        try (TestReceiver receiver = TestReceiver.start().behave(r -> new TestReceiver.Answer(200, Duration.ofMillis(150), Map.of(), "ok"))) {
            int port = LivehookProcess.freePort();
            Path yaml = dir.resolve("livehook.yaml");
            Files.writeString(yaml, """
                    destinations:
                      - name: app
                        url: %s
                        concurrency: %d
                        retry: {initial_backoff_ms: 50, max_backoff_ms: 500}
                    """.formatted(receiver.url(), CONCURRENCY));
            LivehookProcess first = start(jar, yaml, port, "first");
            List<String> ids = new ArrayList<>();
            try {
                first.awaitOk("/readyz", Duration.ofSeconds(60));
                WebhookSigner signer = LivehookFixture.signer();
                HttpClient http = HttpClient.newHttpClient();
                for (int i = 0; i < PER_ROOM; i++) {
                    for (int room = 0; room < ROOMS; room++) {
                        String id = LivehookFixture.newEventId();
                        byte[] body = LivehookFixture.participantJoined(id, "room-" + room);
                        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/webhook"))
                                .header("Content-Type", "application/webhook+json")
                                .header("Authorization", signer.sign(body))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        assertThat(response.statusCode()).isEqualTo(200); // durable: must survive the kill
                        ids.add(id);
                    }
                }
                LivehookFixture.await(Duration.ofSeconds(30), "deliveries under way",
                        () -> receiver.requests().size() >= 2 * CONCURRENCY);
            } finally {
                first.kill(); // SIGKILL: no shutdown hook, no grace
            }
            int beforeRestart = receiver.requests().size();
            assertThat(beforeRestart).as("killed mid-way").isLessThan(ids.size());

            try (LivehookProcess second = start(jar, yaml, port, "second")) {
                second.awaitOk("/readyz", Duration.ofSeconds(60));
                LivehookFixture.await(Duration.ofSeconds(60), "every event accepted at least once",
                        () -> receiver.accepted().containsAll(ids));
                Thread.sleep(500); // let the last answers be recorded
                second.stop(Duration.ofSeconds(30)); // graceful: SIGTERM runs the shutdown hook
            }

            Map<String, Long> received = receiver.requests().stream()
                    .collect(Collectors.groupingBy(TestReceiver.Request::eventId, Collectors.counting()));
            try (StateStore state = StateStore.sqlite(dir.resolve("data").resolve("state.db"))) {
                DeliveryStore store = new DeliveryStore(state);
                Map<String, Delivery> deliveries = store.find(Optional.empty(), DeliveryFilter.any(), 1000).stream()
                        .collect(Collectors.toMap(Delivery::eventId, Function.identity()));
                assertThat(deliveries.keySet()).containsExactlyInAnyOrderElementsOf(ids);
                int unknownTotal = 0;
                for (String id : ids) {
                    Delivery d = deliveries.get(id);
                    assertThat(d.status()).as(id).isEqualTo(Delivery.DELIVERED);
                    List<DeliveryAttempt> attempts = store.attempts(d);
                    long unknown = attempts.stream().filter(a -> a.outcome().equals(DeliveryAttempt.UNKNOWN)).count();
                    unknownTotal += (int) unknown;
                    assertThat(received.get(id)).as("receptions of " + id).isBetween(1L, 1L + unknown);
                    assertThat(attempts).as(id).noneMatch(a -> a.outcome().equals(DeliveryAttempt.IN_FLIGHT));
                }
                // Only what was in flight at the kill can be unknown: one per room in flight at most.
                assertThat(unknownTotal).isLessThanOrEqualTo(CONCURRENCY);
                System.out.printf("kill -9: %d of %d events received before the kill, %d attempts of unknown outcome, "
                        + "%d duplicate receptions%n", beforeRestart, ids.size(), unknownTotal,
                        received.values().stream().mapToLong(n -> n - 1).sum());
            }
            // Per room the first receptions keep the order the events were sent in.
            for (int room = 0; room < ROOMS; room++) {
                String name = "room-" + room;
                List<String> firstSeen = receiver.requests().stream().filter(r -> name.equals(r.queueKey()))
                        .map(TestReceiver.Request::eventId).distinct().toList();
                List<String> sent = new ArrayList<>();
                for (int i = 0; i < PER_ROOM; i++) {
                    sent.add(ids.get(i * ROOMS + room));
                }
                assertThat(firstSeen).as(name).containsExactlyElementsOf(sent);
            }
        }
    }

    private LivehookProcess start(Path jar, Path yaml, int port, String name) throws IOException {
        return LivehookProcess.startJar(jar, LivehookFixture.API_KEY, LivehookFixture.API_SECRET, dir.resolve("data"),
                dir.resolve(name + ".log"), List.of(), port, List.of("-c", yaml.toString()));
    }
}
