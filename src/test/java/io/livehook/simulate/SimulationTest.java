package io.livehook.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.testing.TestReceiver;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SimulationTest {

    @Test
    void generatesAtTheRateAndLosesTheRequestedShare() throws Exception {
        try (var receiver = TestReceiver.start((request, earlier) -> TestReceiver.Answer.ok())) {
            var settings = new Simulation.Traffic(receiver.url(), DeliveryProfile.oss(), 400, 10,
                    Duration.ofMillis(1500), 21, "devkey", "secret", 0.1);
            Simulation.Result result = Simulation.run(settings, Clock.systemUTC());
            SimulationReport report = result.report();

            assertThat(report.generated()).isEqualTo(600);
            assertThat(result.truth().events()).hasSize(600);
            assertThat(report.lost(DeliveryOutcome.SIMULATED_LOSS)).isBetween(30L, 90L);
            assertThat(report.delivered() + report.lost(DeliveryOutcome.SIMULATED_LOSS)).isEqualTo(600);
            assertThat(report.lostTotal()).isEqualTo(report.lost(DeliveryOutcome.SIMULATED_LOSS));
            assertThat(report.achievedRate()).isBetween(300.0, 420.0);
            assertThat(report.latency().samples()).isEqualTo(report.delivered());
            assertThat(report.latency().p50()).isPositive().isLessThanOrEqualTo(report.latency().p99());

            Set<String> lost = result.deliveries().stream().filter(d -> d.outcome() == DeliveryOutcome.SIMULATED_LOSS)
                    .map(SimulatedDelivery::eventId).collect(Collectors.toSet());
            Set<String> arrived = receiver.requests().stream().map(TestReceiver.Request::eventId)
                    .collect(Collectors.toSet());
            Set<String> generated = result.truth().events().stream().map(GroundTruth.Event::id).collect(Collectors.toSet());
            assertThat(arrived).doesNotContainAnyElementsOf(lost).hasSize(600 - lost.size());
            assertThat(generated).containsAll(arrived).containsAll(lost);
        }
    }

    @Test
    void theReportCountsEveryOutcomeInTextAndJson() throws Exception {
        SimulatedDelivery.Attempt ok = new SimulatedDelivery.Attempt(Duration.ZERO, 200, null, false, Duration.ofMillis(4));
        SimulatedDelivery.Attempt failed = new SimulatedDelivery.Attempt(Duration.ZERO, 503, null, false, Duration.ofMillis(1));
        SimulatedDelivery.Attempt refused = new SimulatedDelivery.Attempt(Duration.ZERO, 401, null, false, Duration.ofMillis(2));
        List<SimulatedDelivery> deliveries = List.of(
                new SimulatedDelivery("EV_1", "r", DeliveryOutcome.DELIVERED, List.of(ok)),
                new SimulatedDelivery("EV_2", "r", DeliveryOutcome.DELIVERED, List.of(failed, new SimulatedDelivery.Attempt(Duration.ofSeconds(1), 200, null, false, Duration.ofMillis(10)))),
                new SimulatedDelivery("EV_3", "r", DeliveryOutcome.HTTP_4XX, List.of(refused)),
                new SimulatedDelivery("EV_4", "r", DeliveryOutcome.QUEUE_FULL, List.of()),
                new SimulatedDelivery("EV_5", "r", DeliveryOutcome.SIMULATED_LOSS, List.of()));
        var settings = new Simulation.Traffic(URI.create("http://127.0.0.1:9/webhook"), DeliveryProfile.cloud(),
                5, 2, Duration.ofSeconds(1), 3, "devkey", "secret", 0);
        SimulationReport report = SimulationReport.of(settings, 5, deliveries, Duration.ofSeconds(1), Duration.ofSeconds(2));

        assertThat(report.delivered()).isEqualTo(2);
        assertThat(report.attempts()).isEqualTo(4);
        assertThat(report.retriedAttempts()).isEqualTo(1);
        assertThat(report.finalNon2xx()).isEqualTo(1);
        assertThat(report.lostTotal()).isEqualTo(3);
        assertThat(report.latency().p50()).isEqualTo(Duration.ofMillis(4));
        assertThat(report.latency().max()).isEqualTo(Duration.ofMillis(10));
        assertThat(report.lost().keySet()).containsExactly("http_4xx", "http_other", "timeout", "retries_exhausted",
                "queue_full", "too_old", "simulated_loss", "unfinished");

        assertThat(report.text()).contains("profile cloud", "delivered (2xx)            2", "http_4xx                 1",
                "queue_full               1", "simulated_loss           1", "p50 4.0 ms");
        JsonNode json = report.json();
        assertThat(json.path("generated").asLong()).isEqualTo(5);
        assertThat(json.path("delivered").asLong()).isEqualTo(2);
        assertThat(json.path("final_non_2xx").path("http_4xx").asLong()).isEqualTo(1);
        assertThat(json.path("retried_attempts").asLong()).isEqualTo(1);
        assertThat(json.path("dropped").path("queue_full").asLong()).isEqualTo(1);
        assertThat(json.path("dropped").path("simulated_loss").asLong()).isEqualTo(1);
        assertThat(json.path("ack_latency_ms").path("max").asDouble()).isEqualTo(10.0);
        assertThat(json.path("achieved_rate").asDouble()).isEqualTo(5.0);
        assertThat(json.path("seed").asLong()).isEqualTo(3);
    }

    @Test
    void drainsForAtMostWhatLiveKitCouldStillSpend() {
        // 30 s of age, retries 1+2+4+8 s, and a 10 s margin.
        assertThat(Simulation.drainLimit(DeliveryProfile.oss())).isEqualTo(Duration.ofSeconds(55));
        // 30 + 1 + 2 + 3 attempts of 3 s + 10.
        assertThat(Simulation.drainLimit(DeliveryProfile.cloud())).isEqualTo(Duration.ofSeconds(52));
        assertThat(Simulation.drainLimit(DeliveryProfile.oss().scaled(0.1))).isEqualTo(Duration.ofMillis(5500));
    }
}
