package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ordering: room} holds a room's second delivery until its first is settled; {@code ordering: none}
 * sends it while the first is still out. The receiver holds the room's first request until the second arrives
 * (or a bound passes) and notes which happened: arrival order and overlap, not timings.
 */
class OrderingTest {
    private static final Duration HOLD_BOUND = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    void with_room_ordering_a_slow_first_delivery_holds_the_rooms_second() throws Exception {
        Run run = deliverTwoInOneRoom("room");
        assertThat(run.secondArrivedWhileFirstHeld).as("the second went out while the first was still held").isFalse();
        assertThat(run.arrivals).containsExactly(run.first, run.second);
    }

    @Test
    void with_no_ordering_the_second_goes_out_while_the_first_is_held() throws Exception {
        Run run = deliverTwoInOneRoom("none");
        assertThat(run.secondArrivedWhileFirstHeld).as("the second went out while the first was still held").isTrue();
        assertThat(run.arrivals).as("side by side: either may arrive first").containsExactlyInAnyOrder(run.first,
                run.second);
    }

    private record Run(String first, String second, boolean secondArrivedWhileFirstHeld, List<String> arrivals) {}

    private Run deliverTwoInOneRoom(String ordering) throws Exception {
        CountDownLatch secondArrived = new CountDownLatch(1);
        AtomicBoolean overlapped = new AtomicBoolean();
        String[] ids = new String[2];
        CountDownLatch idsKnown = new CountDownLatch(1);
        try (TestReceiver receiver = TestReceiver.start().behave(r -> {
                    try {
                        idsKnown.await(10, TimeUnit.SECONDS);
                        if (r.eventId().equals(ids[0])) {
                            overlapped.set(secondArrived.await(HOLD_BOUND.toMillis(), TimeUnit.MILLISECONDS));
                        } else {
                            secondArrived.countDown();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return TestReceiver.Answer.ok();
                });
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            concurrency: 4
                            ordering: %s
                        """.formatted(receiver.url(), ordering)).start()) {
            ids[0] = lh.postEvent("r1");
            ids[1] = lh.postEvent("r1");
            idsKnown.countDown();
            LivehookFixture.await(Duration.ofSeconds(20), "both delivered",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 2);
            List<String> arrivals = receiver.requests().stream().map(TestReceiver.Request::eventId).toList();
            return new Run(ids[0], ids[1], overlapped.get(), arrivals);
        }
    }
}
