package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two rooms' long backlogs with a retry and a dead letter in the middle: each delivery goes out once the one before
 * it is delivered or dead, a retried one holds its room until it is delivered, nothing is skipped or sent out of
 * order.
 */
class RoomBacklogTest {
    private static final int PER_ROOM = 40;

    @TempDir
    Path dir;

    @Test
    void a_long_backlog_drains_in_room_order_around_a_retry_and_a_dead_letter() throws Exception {
        CountDownLatch allPosted = new CountDownLatch(1);
        Set<String> retryOnce = ConcurrentHashMap.newKeySet();
        Set<String> reject = ConcurrentHashMap.newKeySet();
        try (TestReceiver receiver = TestReceiver.start((request, earlier) -> {
                    // Every room's first request waits here, so the rest of the room queues up behind it.
                    allPosted.await(20, TimeUnit.SECONDS);
                    if (reject.contains(request.eventId())) {
                        return TestReceiver.Answer.status(400);
                    }
                    return retryOnce.contains(request.eventId()) && earlier == 0 ? TestReceiver.Answer.status(503)
                            : TestReceiver.Answer.ok();
                });
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            concurrency: 4
                            retry: {initial_backoff_ms: 10, max_backoff_ms: 50}
                        """.formatted(receiver.url())).start()) {
            List<String> one = new ArrayList<>();
            List<String> two = new ArrayList<>();
            for (int i = 0; i < PER_ROOM; i++) {
                one.add(lh.postEvent("one"));
                two.add(lh.postEvent("two"));
            }
            retryOnce.add(one.get(7));
            retryOnce.add(two.get(25));
            reject.add(one.get(20));
            lh.awaitCaughtUp();
            allPosted.countDown();

            LivehookFixture.await(Duration.ofSeconds(30), "every delivery settled",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 2 * PER_ROOM - 1
                            && lh.deliveryStore().count("app", Delivery.DEAD) == 1);
            assertThat(sent(receiver, "one")).isEqualTo(expected(one, 7));
            assertThat(sent(receiver, "two")).isEqualTo(expected(two, 25));
            List<String> delivered = new ArrayList<>(one);
            delivered.remove(one.get(20));
            assertThat(receiver.acceptedInRoom("one")).isEqualTo(delivered);
            assertThat(receiver.acceptedInRoom("two")).isEqualTo(two);
        }
    }

    /** The room's requests in the order they arrived. */
    private static List<String> sent(TestReceiver receiver, String room) {
        return receiver.requests().stream().filter(r -> room.equals(r.queueKey())).map(TestReceiver.Request::eventId)
                .toList();
    }

    /** Each event once, in order, the retried one twice in a row. */
    private static List<String> expected(List<String> room, int retried) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < room.size(); i++) {
            expected.add(room.get(i));
            if (i == retried) {
                expected.add(room.get(i));
            }
        }
        return expected;
    }
}
