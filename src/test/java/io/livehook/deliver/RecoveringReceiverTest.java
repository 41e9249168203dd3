package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A destination that answers 503 for a while, then recovers: nothing is lost and each room keeps its order. */
class RecoveringReceiverTest {
    @TempDir
    Path dir;

    @Test
    void failingThen_recovering_receiver_gets_everything_in_room_order_with_attempts_recorded() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        try (TestReceiver receiver = TestReceiver.start()
                .behave(r -> failing.get() ? TestReceiver.Answer.status(503) : TestReceiver.Answer.ok());
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            retry: {initial_backoff_ms: 50, max_backoff_ms: 200, jitter: 0.1}
                            circuit: {failure_threshold: 0}
                        """.formatted(receiver.url())).start()) {
            Map<String, List<String>> sent = new LinkedHashMap<>();
            for (int i = 0; i < 5; i++) {
                for (String room : List.of("alpha", "beta", "gamma")) {
                    sent.computeIfAbsent(room, r -> new ArrayList<>()).add(lh.postEvent(room));
                }
            }
            LivehookFixture.await(Duration.ofSeconds(10), "failed attempts in every room",
                    () -> receiver.requests().stream().map(TestReceiver.Request::queueKey).distinct().count() == 3
                            && receiver.requests().size() >= 9);
            failing.set(false);
            LivehookFixture.await(Duration.ofSeconds(20), "all 15 delivered",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 15);

            for (var room : sent.entrySet()) {
                assertThat(receiver.acceptedInRoom(room.getKey())).as("order in " + room.getKey())
                        .containsExactlyElementsOf(room.getValue());
            }
            // Per room, nothing after an event was sent before that event was accepted.
            for (String room : sent.keySet()) {
                List<String> seen = receiver.requests().stream().filter(r -> room.equals(r.queueKey()))
                        .map(TestReceiver.Request::eventId).toList();
                List<String> firstSeen = seen.stream().distinct().toList();
                assertThat(firstSeen).containsExactlyElementsOf(sent.get(room));
            }
            String first = sent.get("alpha").get(0);
            List<Delivery> deliveries = lh.deliveryStore().deliveries("app", first);
            assertThat(deliveries).singleElement().satisfies(d -> {
                assertThat(d.status()).isEqualTo(Delivery.DELIVERED);
                assertThat(d.attempts()).isGreaterThan(1);
                assertThat(d.lastError()).isNull();
            });
            List<DeliveryAttempt> attempts = lh.deliveryStore().attempts(deliveries.get(0));
            assertThat(attempts).hasSize(deliveries.get(0).attempts());
            assertThat(attempts.subList(0, attempts.size() - 1)).allSatisfy(a -> {
                assertThat(a.httpStatus()).isEqualTo(503);
                assertThat(a.outcome()).isEqualTo(DeliveryAttempt.RETRY);
                assertThat(a.responseSnippet()).isEqualTo("status 503");
                assertThat(a.latencyMs()).isNotNull();
            });
            assertThat(attempts.get(attempts.size() - 1).outcome()).isEqualTo(DeliveryAttempt.DELIVERED);
            // The Livehook-Attempt header counts up across the retries of one event.
            List<String> attemptHeaders = receiver.requests().stream().filter(r -> first.equals(r.eventId()))
                    .map(r -> r.header("Livehook-Attempt")).toList();
            List<String> expected = new ArrayList<>();
            for (int n = 1; n <= attemptHeaders.size(); n++) {
                expected.add(Integer.toString(n));
            }
            assertThat(attemptHeaders).containsExactlyElementsOf(expected);

            assertThat(lh.meter("livehook.delivery.attempts", "destination", "app", "outcome", "retry"))
                    .isGreaterThan(0);
            assertThat(lh.meter("livehook.delivery.attempts", "destination", "app", "outcome", "delivered"))
                    .isEqualTo(15);
            LivehookFixture.await(Duration.ofSeconds(5), "backlog gauge at 0", () -> {
                try {
                    return lh.meter("livehook.delivery.backlog", "destination", "app") == 0;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(lh.metricsText()).contains("livehook_delivery_latency_seconds_bucket{destination=\"app\"");
        }
    }

    @Test
    void gives_up_after_max_attempts_and_honours_retry_after() throws Exception {
        try (TestReceiver receiver = TestReceiver.start().behave(r -> "r-429".equals(r.queueKey())
                        ? new TestReceiver.Answer(429, Duration.ofMillis(0), Map.of("Retry-After", "1"), "slow down")
                        : TestReceiver.Answer.status(502));
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            retry: {initial_backoff_ms: 10, max_backoff_ms: 5000, max_attempts: 3}
                            circuit: {failure_threshold: 0}
                        """.formatted(receiver.url())).start()) {
            String failing = lh.postEvent("r-502");
            String throttled = lh.postEvent("r-429");
            LivehookFixture.await(Duration.ofSeconds(15), "both dead after 3 attempts",
                    () -> lh.deliveryStore().count("app", Delivery.DEAD) == 2);
            Delivery dead = lh.deliveryStore().deliveries("app", failing).get(0);
            assertThat(dead.attempts()).isEqualTo(3);
            assertThat(dead.lastError()).contains("HTTP 502", "gave up after 3 attempts");
            assertThat(lh.deliveryStore().attempts(dead)).extracting(DeliveryAttempt::outcome)
                    .containsExactly("retry", "retry", "dead");

            List<java.time.Instant> times = receiver.requests().stream().filter(r -> throttled.equals(r.eventId()))
                    .map(TestReceiver.Request::at).toList();
            assertThat(times).hasSize(3);
            for (int i = 1; i < times.size(); i++) {
                assertThat(Duration.between(times.get(i - 1), times.get(i))).as("Retry-After: 1 honoured")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
            }
            assertThat(lh.meter("livehook.delivery.dead.letters", "destination", "app")).isEqualTo(2);
            assertThat(lh.meter("livehook.delivery.attempts", "destination", "app", "outcome", "dead")).isEqualTo(2);
        }
    }
}
