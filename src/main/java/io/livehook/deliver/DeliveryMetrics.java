package io.livehook.deliver;

import io.livehook.state.Delivery;
import io.livehook.state.DeliveryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The meters of one destination. Labels stay bounded: the destination name (from configuration) and a
 * fixed set of outcomes. Backlog and dead-letter gauges read the store at scrape time.
 */
final class DeliveryMetrics {
    private final MeterRegistry registry;
    private final String destination;
    private final Timer latency;
    private final Counter circuitOpened;

    DeliveryMetrics(MeterRegistry registry, String destination, DeliveryStore store, Supplier<Circuit.State> circuit,
            Clock clock) {
        this.registry = registry;
        this.destination = destination;
        this.latency = Timer.builder("livehook.delivery.latency")
                .description("Time from sending a delivery request to its complete answer, per attempt")
                .tag("destination", destination)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        this.circuitOpened = Counter.builder("livehook.delivery.circuit.opened")
                .description("Times the destination's circuit breaker opened")
                .tag("destination", destination)
                .register(registry);
        Gauge.builder("livehook.delivery.backlog", () -> orNaN(() -> store.count(destination, Delivery.PENDING)))
                .description("Deliveries waiting to be delivered")
                .tag("destination", destination)
                .register(registry);
        Gauge.builder("livehook.delivery.backlog.age", () -> orNaN(() -> store.oldestPendingQueuedMs(destination)
                        .map(queued -> Math.max(0, clock.millis() - queued) / 1000.0).orElse(0.0)))
                .description("Age of the oldest delivery waiting to be delivered")
                .tag("destination", destination)
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("livehook.delivery.circuit.state", () -> circuit.get().gauge)
                .description("Circuit breaker state: 0 closed, 1 half-open, 2 open")
                .tag("destination", destination)
                .register(registry);
        Gauge.builder("livehook.delivery.dead.letters", () -> orNaN(() -> store.count(destination, Delivery.DEAD)))
                .description("Deliveries given up on, waiting for an operator's retry")
                .tag("destination", destination)
                .register(registry);
    }

    void attempt(String outcome, long latencyMs) {
        Counter.builder("livehook.delivery.attempts")
                .description("Delivery attempts by outcome: delivered, retry, timeout, connection_error, dead")
                .tag("destination", destination)
                .tag("outcome", outcome)
                .register(registry)
                .increment();
        latency.record(Duration.ofMillis(latencyMs));
    }

    void circuitOpened() {
        circuitOpened.increment();
    }

    private static double orNaN(Supplier<? extends Number> read) {
        try {
            return read.get().doubleValue();
        } catch (RuntimeException e) {
            return Double.NaN; // a scrape must not fail because the store is busy or down
        }
    }
}
