package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A destination that refuses connections: the circuit opens, the backlog waits and is counted, then drains in order. */
class DownReceiverTest {
    @TempDir
    Path dir;

    @Test
    void circuit_opens_while_down_and_backlog_drains_in_order_once_it_is_up() throws Exception {
        try (TestReceiver receiver = TestReceiver.down();
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            timeout_seconds: 2
                            retry: {initial_backoff_ms: 20, max_backoff_ms: 100}
                            circuit: {failure_threshold: 3, open_seconds: 1}
                        """.formatted(receiver.url())).start()) {
            List<String> room1 = new ArrayList<>();
            List<String> room2 = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                room1.add(lh.postEvent("one"));
                room2.add(lh.postEvent("two"));
            }
            lh.awaitCaughtUp();
            LivehookFixture.await(Duration.ofSeconds(10), "circuit open", () -> circuitState(lh) == 2);
            assertThat(lh.meter("livehook.delivery.backlog", "destination", "app")).isEqualTo(12);
            assertThat(lh.meter("livehook.delivery.backlog.age", "destination", "app")).isGreaterThanOrEqualTo(0);
            assertThat(lh.meter("livehook.delivery.circuit.opened", "destination", "app")).isGreaterThanOrEqualTo(1);
            // The circuit hears of a failure when it comes back; the attempt is counted once its row is written.
            LivehookFixture.await(Duration.ofSeconds(5), "three failed attempts counted", () -> lh.meter(
                    "livehook.delivery.attempts", "destination", "app", "outcome", "connection_error") >= 3);
            // While open nothing is attempted: the attempt count stands still for most of the open period.
            double attempts = lh.meter("livehook.delivery.attempts", "destination", "app", "outcome", "connection_error");
            Thread.sleep(300);
            assertThat(lh.meter("livehook.delivery.attempts", "destination", "app", "outcome", "connection_error"))
                    .isLessThanOrEqualTo(attempts + 1); // at most one half-open probe

            receiver.listen();
            LivehookFixture.await(Duration.ofSeconds(15), "all 12 delivered",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 12);
            assertThat(receiver.acceptedInRoom("one")).containsExactlyElementsOf(room1);
            assertThat(receiver.acceptedInRoom("two")).containsExactlyElementsOf(room2);
            assertThat(receiver.requests()).hasSize(12); // each sent once it was up: none twice
            LivehookFixture.await(Duration.ofSeconds(5), "circuit closed, backlog empty",
                    () -> circuitState(lh) == 0 && lh.meter("livehook.delivery.backlog", "destination", "app") == 0);
            assertThat(lh.meter("livehook.delivery.dead.letters", "destination", "app")).isZero();
            Delivery first = lh.deliveryStore().deliveries("app", room1.get(0)).get(0);
            assertThat(lh.deliveryStore().attempts(first)).last().satisfies(a -> assertThat(a.outcome()).isEqualTo("delivered"));
            assertThat(lh.deliveryStore().attempts(first)).filteredOn(a -> a.outcome().equals("connection_error"))
                    .allSatisfy(a -> {
                        assertThat(a.httpStatus()).isNull();
                        assertThat(a.error()).contains("connection");
                    });
        }
    }

    /** 0 closed, 1 half-open, 2 open. */
    private static double circuitState(LivehookFixture lh) {
        return lh.meter("livehook.delivery.circuit.state", "destination", "app");
    }
}
