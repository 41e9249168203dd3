package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination that takes 10 s on one event: ingest keeps answering LiveKit in milliseconds, other rooms
 * are delivered meanwhile, and the slow room's next event waits its turn.
 */
class SlowReceiverTest {
    private static final long SLOW_MS = 10_000;

    @TempDir
    Path dir;

    @Test
    void a_slow_destination_delays_only_its_own_room_and_never_ingest() throws Exception {
        Set<String> slowIds = ConcurrentHashMap.newKeySet();
        try (TestReceiver receiver = TestReceiver.start().behave(r -> slowIds.contains(r.eventId())
                        ? new TestReceiver.Answer(200, Duration.ofMillis(SLOW_MS), java.util.Map.of(), "finally")
                        : TestReceiver.Answer.ok());
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            timeout_seconds: 15
                            concurrency: 4
                        """.formatted(receiver.url())).start()) {
            lh.postEvent("warmup");
            LivehookFixture.await(Duration.ofSeconds(10), "warm-up delivered", () -> receiver.accepted().size() == 1);

            String slowId = LivehookFixture.newEventId();
            slowIds.add(slowId);
            assertThat(lh.webhook(LivehookFixture.participantJoined(slowId, "slow"))).isEqualTo(200);
            LivehookFixture.await(Duration.ofSeconds(5), "slow request under way",
                    () -> receiver.requests().stream().anyMatch(r -> slowId.equals(r.eventId())));
            long slowStarted = System.nanoTime();
            String slowNext = lh.postEvent("slow");

            List<Long> ackMs = new ArrayList<>();
            List<String> fast = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long start = System.nanoTime();
                fast.add(lh.postEvent("fast-" + (i % 5)));
                ackMs.add((System.nanoTime() - start) / 1_000_000);
            }
            assertThat(ackMs).as("ingest ACK latency (ms) while the destination is slow").allMatch(ms -> ms < 200);

            LivehookFixture.await(Duration.ofSeconds(5), "other rooms delivered meanwhile",
                    () -> receiver.accepted().containsAll(fast));
            assertThat(System.nanoTime() - slowStarted).as("still inside the slow answer")
                    .isLessThan(Duration.ofMillis(SLOW_MS).toNanos());
            assertThat(receiver.requests()).noneMatch(r -> slowNext.equals(r.eventId()));

            LivehookFixture.await(Duration.ofSeconds(20), "slow room delivered", () -> receiver.accepted().contains(slowNext));
            assertThat(receiver.acceptedInRoom("slow")).containsExactly(slowId, slowNext);
            Delivery slow = lh.deliveryStore().deliveries("app", slowId).get(0);
            assertThat(slow.attempts()).isEqualTo(1);
            assertThat(lh.deliveryStore().attempts(slow)).singleElement().satisfies(a -> {
                assertThat(a.latencyMs()).isGreaterThanOrEqualTo(SLOW_MS);
                assertThat(a.outcome()).isEqualTo("delivered");
                assertThat(a.responseSnippet()).isEqualTo("finally");
            });
        }
    }

    @Test
    void an_answer_slower_than_the_timeout_is_retried() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (TestReceiver receiver = TestReceiver.start().behave(r -> seen.add(r.eventId())
                        ? new TestReceiver.Answer(200, Duration.ofMillis(2_500), java.util.Map.of(), "too late")
                        : TestReceiver.Answer.ok());
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            timeout_seconds: 1
                            retry: {initial_backoff_ms: 10}
                        """.formatted(receiver.url())).start()) {
            String id = lh.postEvent("r");
            LivehookFixture.await(Duration.ofSeconds(10), "delivered on the second attempt",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 1);
            Delivery d = lh.deliveryStore().deliveries("app", id).get(0);
            assertThat(lh.deliveryStore().attempts(d)).extracting(DeliveryAttempt::outcome).containsExactly("timeout", "delivered");
            assertThat(lh.deliveryStore().attempts(d).get(0).latencyMs()).isBetween(900L, 2_400L);
        }
    }
}
