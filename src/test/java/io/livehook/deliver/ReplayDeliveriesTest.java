package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.log.EmbeddedLog;
import io.livehook.log.EventLog;
import io.livehook.process.Replay;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.state.DeliveryFilter;
import io.livehook.state.DeliveryStore;
import io.livehook.state.StateBackend;
import io.livehook.state.StateLocation;
import io.livehook.state.StateSql;
import io.livehook.state.StateStore;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Deliveries are created once per event: rebuilding state from the log creates none and keeps the old
 * ones with their attempts; re-reading the log after a restart (duplicates) creates none either. On each
 * database the state can live in.
 */
@ParameterizedClass
@EnumSource(StateBackend.class)
class ReplayDeliveriesTest {
    @Parameter
    StateBackend backend;
    @TempDir
    Path dir;

    @Test
    void rebuilding_state_carries_deliveries_over_and_sends_nothing_again() throws Exception {
        Set<String> reject = ConcurrentHashMap.newKeySet();
        String yaml;
        List<String> ids = new ArrayList<>();
        Map<Delivery, List<DeliveryAttempt>> before;
        Path data = dir.resolve("data");
        StateLocation state = backend.freshLocation(data);
        Map<String, String> stateEnv = backend.env(state);
        try (TestReceiver receiver = TestReceiver.start().behave(r -> reject.contains(r.eventId())
                ? TestReceiver.Answer.status(422) : TestReceiver.Answer.ok())) {
            yaml = """
                    destinations:
                      - name: app
                        url: %s
                    """.formatted(receiver.url());
            try (LivehookFixture lh = started(dir, yaml, stateEnv)) {
                String rejected = LivehookFixture.newEventId();
                reject.add(rejected);
                assertThat(lh.webhook(LivehookFixture.participantJoined(rejected, "r"))).isEqualTo(200);
                ids.add(rejected);
                for (int i = 0; i < 4; i++) {
                    ids.add(lh.postEvent(i % 2 == 0 ? "r" : "s"));
                }
                LivehookFixture.await(Duration.ofSeconds(10), "settled", () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 4
                        && lh.deliveryStore().count("app", Delivery.DEAD) == 1);
                before = snapshot(lh.deliveryStore());
            }
            assertThat(receiver.requests()).hasSize(5);

            try (EventLog log = EmbeddedLog.open(data)) {
                assertThat(Replay.rebuild(log, state, 2, Clock.systemUTC(), Duration.ofSeconds(30))).isEqualTo(5);
            }
            try (StateStore rebuilt = StateStore.open(state)) {
                assertThat(snapshot(new DeliveryStore(rebuilt))).isEqualTo(before);
            }

            // Started again: nothing pending, so nothing is sent; the dead letter is still there to retry.
            try (LivehookFixture lh = started(dir, yaml, stateEnv)) {
                Thread.sleep(1_500);
                assertThat(receiver.requests()).hasSize(5);
                assertThat(lh.deliveryStore().count("app", Delivery.DEAD)).isEqualTo(1);
                reject.clear();
                lh.json("POST", "/api/deliveries/retry", "{\"event_ids\":[\"" + ids.get(0) + "\"]}");
                LivehookFixture.await(Duration.ofSeconds(10), "retried after replay",
                        () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 5);
                assertThat(lh.deliveryStore().attempts(lh.deliveryStore().deliveries("app", ids.get(0)).get(0)))
                        .extracting(DeliveryAttempt::httpStatus).containsExactly(422, 200);
            }

            // Forget how far processing got: the whole log is read again as duplicates, which queue nothing.
            try (StateStore rewound = StateStore.open(state)) {
                StateSql.update(rewound, "UPDATE checkpoints SET log_offset = 0");
            }
            try (LivehookFixture lh = started(dir, yaml, stateEnv)) {
                assertThat(lh.livehook().processor().awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
                Thread.sleep(1_000);
                assertThat(receiver.requests()).hasSize(6);
                assertThat(lh.deliveryStore().find(Optional.empty(), DeliveryFilter.any(), 100)).hasSize(5);
            }
        }
    }

    private static Map<Delivery, List<DeliveryAttempt>> snapshot(DeliveryStore store) {
        Map<Delivery, List<DeliveryAttempt>> all = new LinkedHashMap<>();
        for (Delivery d : store.find(Optional.empty(), DeliveryFilter.any(), 1000)) {
            all.put(d, store.attempts(d));
        }
        assertThat(all).isNotEmpty();
        return all;
    }

    private static LivehookFixture started(Path dir, String yaml, Map<String, String> stateEnv) {
        LivehookFixture.Options options = LivehookFixture.in(dir).yaml(yaml);
        stateEnv.forEach(options::env);
        return options.start();
    }
}
