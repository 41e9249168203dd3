package io.livehook.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Ingest's meters: every answer counted by status, outcome and reason; ACK latency; body sizes. */
final class IngestMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Timer ackLatency;
    private final DistributionSummary bodyBytes;

    IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.ackLatency = Timer.builder("livehook.ingest.ack")
                .description("Time from request start to the answer being ready, whatever the answer")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.bodyBytes = DistributionSummary.builder("livehook.ingest.body")
                .baseUnit("bytes")
                .description("Size of webhook bodies received")
                .register(registry);
    }

    void answered(int status, String outcome, String reason, long startNanos) {
        String key = status + "|" + outcome + "|" + reason;
        requests.computeIfAbsent(key, k -> Counter.builder("livehook.ingest.requests")
                        .description("Webhook requests answered, by HTTP status, outcome and reason")
                        .tag("status", Integer.toString(status))
                        .tag("outcome", outcome)
                        .tag("reason", reason)
                        .register(registry))
                .increment();
        ackLatency.record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void body(int bytes) {
        bodyBytes.record(bytes);
    }
}
