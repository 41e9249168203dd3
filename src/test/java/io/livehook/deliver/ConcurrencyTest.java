package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code concurrency} bounds the rooms in flight; one room never has two requests out at once. */
class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void at_most_concurrency_rooms_in_flight_and_one_request_per_room() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        Map<String, AtomicInteger> perRoom = new ConcurrentHashMap<>();
        AtomicInteger roomOverlaps = new AtomicInteger();
        try (TestReceiver receiver = TestReceiver.start().behave(r -> {
                    int now = inFlight.incrementAndGet();
                    maxInFlight.accumulateAndGet(now, Math::max);
                    if (perRoom.computeIfAbsent(r.queueKey(), k -> new AtomicInteger()).incrementAndGet() > 1) {
                        roomOverlaps.incrementAndGet();
                    }
                    try {
                        Thread.sleep(60);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    perRoom.get(r.queueKey()).decrementAndGet();
                    inFlight.decrementAndGet();
                    return TestReceiver.Answer.ok();
                });
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            concurrency: 3
                        """.formatted(receiver.url())).start()) {
            List<List<String>> rooms = new ArrayList<>();
            for (int room = 0; room < 8; room++) {
                rooms.add(new ArrayList<>());
            }
            for (int i = 0; i < 4; i++) {
                for (int room = 0; room < rooms.size(); room++) {
                    rooms.get(room).add(lh.postEvent("c" + room));
                }
            }
            LivehookFixture.await(Duration.ofSeconds(20), "32 delivered",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 32);
            assertThat(maxInFlight.get()).isEqualTo(3);
            assertThat(roomOverlaps.get()).isZero();
            assertThat(receiver.requests()).hasSize(32);
            for (int room = 0; room < rooms.size(); room++) {
                assertThat(receiver.acceptedInRoom("c" + room)).containsExactlyElementsOf(rooms.get(room));
            }
        }
    }
}
