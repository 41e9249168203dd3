package io.livehook.process;

import io.livehook.log.EventLog;
import io.livehook.state.Anomaly;
import io.livehook.state.StateQueries;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;

/**
 * Processing's meters. Each counter is looked up in the registry once and kept: registering a meter on every
 * event (building its id, hashing its tags, finding it again) cost more than counting. Outcomes and event
 * types are few (unknown types count as one), so what is kept is bounded.
 */
final class ProcessMetrics {
    private final MeterRegistry registry;
    private final Clock clock;
    private final Timer delay;
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Map<String, Counter> anomalies = new ConcurrentHashMap<>();

    /** {@code appliedUpTo} and {@code oldestWaitingMs} (-1 when none) answer per partition. */
    ProcessMetrics(MeterRegistry registry, Clock clock, EventLog eventLog, StateQueries queries,
            IntToLongFunction appliedUpTo, IntToLongFunction oldestWaitingMs) {
        this.registry = registry;
        this.clock = clock;
        this.delay = Timer.builder("livehook.process.delay")
                .description("Time from an event's ACK to its state being committed")
                .publishPercentileHistogram()
                .register(registry);
        // Every anomaly kind exists from the start, at 0, so increase() sees the first one too.
        for (AnomalyKind kind : AnomalyKind.values()) {
            anomalies(kind.label());
        }
        Gauge.builder("livehook.process.dead.letters", () -> countOrNaN(queries::unresolvedDeadLetters))
                .description("Events that could not be applied and are not resolved yet")
                .register(registry);
        Gauge.builder("livehook.rooms.active", () -> countOrNaN(queries::activeRoomCount))
                .description("Rooms livehook believes are active")
                .register(registry);
        for (int p = 0; p < eventLog.partitions(); p++) {
            int partition = p;
            Gauge.builder("livehook.log.head", () -> eventLog.head(partition))
                    .description("Offset of the newest event in the log partition")
                    .tag("partition", Integer.toString(partition))
                    .register(registry);
            Gauge.builder("livehook.process.lag.events",
                            () -> eventLog.head(partition) - appliedUpTo.applyAsLong(partition))
                    .description("Events in the log not yet applied to state")
                    .tag("partition", Integer.toString(partition))
                    .register(registry);
            Gauge.builder("livehook.process.lag.seconds", () -> {
                        long oldest = oldestWaitingMs.applyAsLong(partition);
                        return oldest < 0 ? 0 : Math.max(0, clock.millis() - oldest) / 1000.0;
                    })
                    .description("Age of the oldest event waiting to be applied")
                    .tag("partition", Integer.toString(partition))
                    .register(registry);
        }
    }

    private static double countOrNaN(LongSupplier count) {
        try {
            return count.getAsLong();
        } catch (RuntimeException e) {
            return Double.NaN; // a scrape must not fail because the store is busy or down
        }
    }

    private Counter anomalies(String kind) {
        return anomalies.computeIfAbsent(kind, k -> Counter.builder("livehook.process.anomalies")
                .description("Inferences made to fill gaps or reorderings in the stream, by kind")
                .tag("kind", k)
                .register(registry));
    }

    void record(Outcome outcome) {
        String type = LiveKitEvent.knownType(outcome.event().eventType()) ? outcome.event().eventType()
                : "unknown";
        events.computeIfAbsent(outcome.result() + '/' + type, key -> Counter.builder("livehook.process.events")
                .description("Events processed, by outcome and event type")
                .tag("outcome", outcome.result())
                .tag("type", type)
                .register(registry)).increment();
        for (Anomaly anomaly : outcome.anomalies()) {
            anomalies(anomaly.kind()).increment();
        }
        if (Outcome.APPLIED.equals(outcome.result())) {
            delay.record(Math.max(0, clock.millis() - outcome.event().receivedAt().toEpochMilli()),
                    TimeUnit.MILLISECONDS);
        }
    }
}
