package io.livehook.ingest;

import io.livehook.livekit.Rejection;
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
        // Series that exist from the start, at 0, so rate() and increase() see their first request too.
        requests(200, "appended", "none");
        requests(200, "duplicate", "none");
        for (Rejection rejection : Rejection.values()) {
            requests(401, "rejected", rejection.label());
        }
    }

    void answered(int status, String outcome, String reason, long startNanos) {
        requests(status, outcome, reason).increment();
        ackLatency.record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private Counter requests(int status, String outcome, String reason) {
        return requests.computeIfAbsent(status + "|" + outcome + "|" + reason,
                k -> Counter.builder("livehook.ingest.requests")
                        .description("Webhook requests answered, by HTTP status, outcome and reason")
                        .tag("status", Integer.toString(status))
                        .tag("outcome", outcome)
                        .tag("reason", reason)
                        .register(registry));
    }

    void body(int bytes) {
        bodyBytes.record(bytes);
    }
}
