package io.livehook.simulate;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a run. Every generated event is either {@code delivered} (a 2xx) or {@code lost} for one
 * reason ({@code lost} lists every reason, zeros included, in a fixed order). Final non-2xx answers are lost for
 * the receiver although LiveKit counts them delivered, so they are also shown on their own. Latency is over
 * successful attempts only.
 */
public record SimulationReport(
        String profile,
        String url,
        long seed,
        double targetRate,
        int rooms,
        long generated,
        long delivered,
        Map<String, Long> lost,
        long attempts,
        long retriedAttempts,
        Latency latency,
        Duration generation,
        Duration total) {

    /** Nearest-rank percentiles of the answer time of 2xx attempts; zeros when there was none. */
    public record Latency(long samples, Duration p50, Duration p95, Duration p99, Duration max) {
        static Latency of(long[] nanos) {
            if (nanos.length == 0) {
                return new Latency(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
            }
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return new Latency(sorted.length, rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99),
                    Duration.ofNanos(sorted[sorted.length - 1]));
        }

        private static Duration rank(long[] sorted, double p) {
            int index = (int) Math.ceil(p * sorted.length) - 1;
            return Duration.ofNanos(sorted[Math.max(0, index)]);
        }
    }

    public SimulationReport {
        lost = Collections.unmodifiableMap(new LinkedHashMap<>(lost));
    }

    static SimulationReport of(Simulation.Traffic settings, long generated, Collection<SimulatedDelivery> deliveries,
            Duration generation, Duration total) {
        Map<DeliveryOutcome, Long> outcomes = new EnumMap<>(DeliveryOutcome.class);
        long attempts = 0;
        long retried = 0;
        long[] latencies = new long[deliveries.size()];
        int successes = 0;
        for (SimulatedDelivery delivery : deliveries) {
            outcomes.merge(delivery.outcome(), 1L, Long::sum);
            attempts += delivery.attempts().size();
            retried += Math.max(0, delivery.attempts().size() - 1);
            for (SimulatedDelivery.Attempt attempt : delivery.attempts()) {
                if (attempt.succeeded()) {
                    latencies[successes++] = attempt.latency().toNanos();
                }
            }
        }
        Map<String, Long> lost = new LinkedHashMap<>();
        for (DeliveryOutcome outcome : DeliveryOutcome.values()) {
            if (outcome != DeliveryOutcome.DELIVERED) {
                lost.put(outcome.label(), outcomes.getOrDefault(outcome, 0L));
            }
        }
        return new SimulationReport(settings.profile().name(), settings.url().toString(), settings.seed(),
                settings.rate(), settings.rooms(), generated, outcomes.getOrDefault(DeliveryOutcome.DELIVERED, 0L), lost,
                attempts, retried, Latency.of(Arrays.copyOf(latencies, successes)), generation, total);
    }

    public long lost(DeliveryOutcome outcome) {
        return lost.getOrDefault(outcome.label(), 0L);
    }

    public long lostTotal() {
        return lost.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Events the receiver answered with a final non-2xx: LiveKit's sender stops there. */
    public long finalNon2xx() {
        return lost(DeliveryOutcome.HTTP_4XX) + lost(DeliveryOutcome.HTTP_OTHER);
    }

    /** Events generated per second of generation. */
    public double achievedRate() {
        double seconds = generation.toNanos() / 1e9;
        return seconds == 0 ? 0 : generated / seconds;
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "livehook simulate: profile %s -> %s, seed %d%n", profile, url, seed));
        out.append(String.format(Locale.ROOT, "events generated   %9d in %.1f s: %.1f/s (target %.1f/s), %d rooms open at a time%n",
                generated, seconds(generation), achievedRate(), targetRate, rooms));
        out.append(String.format(Locale.ROOT, "delivered (2xx)    %9d%n", delivered));
        out.append(String.format(Locale.ROOT, "final non-2xx      %9d   (4xx %d, other %d: LiveKit counts them delivered, the receiver refused them)%n",
                finalNon2xx(), lost(DeliveryOutcome.HTTP_4XX), lost(DeliveryOutcome.HTTP_OTHER)));
        out.append(String.format(Locale.ROOT, "attempts           %9d   (%d retries)%n", attempts, retriedAttempts));
        out.append(String.format(Locale.ROOT, "not delivered      %9d%n", lostTotal()));
        for (Map.Entry<String, Long> reason : lost.entrySet()) {
            out.append(String.format(Locale.ROOT, "  %-17s%9d%n", reason.getKey(), reason.getValue()));
        }
        out.append(String.format(Locale.ROOT, "ack latency (2xx)  p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms over %d answers%n",
                millis(latency.p50()), millis(latency.p95()), millis(latency.p99()), millis(latency.max()), latency.samples()));
        out.append(String.format(Locale.ROOT, "duration           %.1f s (%.1f s generating, %.1f s draining the queues)%n",
                seconds(total), seconds(generation), seconds(total.minus(generation))));
        return out.toString();
    }

    /** The report as a JSON tree, for a caller that adds to it before writing it. */
    public ObjectNode json() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("profile", profile);
        root.put("url", url);
        root.put("seed", seed);
        root.put("target_rate", targetRate);
        root.put("rooms", rooms);
        root.put("generated", generated);
        root.put("delivered", delivered);
        ObjectNode refused = root.putObject("final_non_2xx");
        refused.put("total", finalNon2xx());
        refused.put("http_4xx", lost(DeliveryOutcome.HTTP_4XX));
        refused.put("other", lost(DeliveryOutcome.HTTP_OTHER));
        root.put("attempts", attempts);
        root.put("retried_attempts", retriedAttempts);
        root.put("not_delivered", lostTotal());
        ObjectNode reasons = root.putObject("dropped");
        lost.forEach(reasons::put);
        ObjectNode ack = root.putObject("ack_latency_ms");
        ack.put("samples", latency.samples());
        ack.put("p50", millis(latency.p50()));
        ack.put("p95", millis(latency.p95()));
        ack.put("p99", millis(latency.p99()));
        ack.put("max", millis(latency.max()));
        root.put("generation_seconds", seconds(generation));
        root.put("duration_seconds", seconds(total));
        root.put("achieved_rate", achievedRate());
        return root;
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
