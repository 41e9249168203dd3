package io.livehook.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last hour of livehook's own figures for the dashboard, which has no Prometheus to ask: every
 * {@link #INTERVAL} the meters are read and turned into one {@link Sample}, kept in a ring of
 * {@link #CAPACITY}. Counters become rates over the interval (what {@code rate()} would say), the ACK latency
 * histogram becomes the p50/p99 of the requests answered in the interval (what {@code histogram_quantile()}
 * over the bucket increases would say), gauges are read as they are. A value unknown in a sample (a rate in
 * the first sample, a quantile of an interval without requests, a gauge that could not be read) is null.
 *
 * <p>Series names: {@code ingest.<outcome>} (requests/s by answer outcome), {@code ack.p50_ms},
 * {@code ack.p99_ms}, {@code processed.<outcome>} (events/s), {@code lag.seconds} (oldest event waiting, max
 * over partitions), {@code lag.events} (sum), {@code anomalies} (recorded in the interval),
 * {@code dead_letters} (not resolved), {@code rooms.active}.
 */
public final class MetricsHistory implements AutoCloseable {
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    public static final int CAPACITY = 360;
    private static final Logger log = LoggerFactory.getLogger(MetricsHistory.class);

    /** One reading: when, and each series' value (null: unknown). */
    public record Sample(long atMs, Map<String, Double> values) {}

    /** The cumulative figures a sample is the difference of. */
    private record Reading(long atMs, Map<String, Double> ingest, Map<String, Double> processed, double anomalies,
            Histogram ack) {}

    /** Cumulative bucket counts (values ≤ bound, bounds in ms ascending) and the total count. */
    record Histogram(double[] boundsMs, double[] cumulative, double total) {
        static final Histogram EMPTY = new Histogram(new double[0], new double[0], 0);

        static Histogram of(HistogramSnapshot snapshot) {
            CountAtBucket[] buckets = snapshot.histogramCounts();
            double[] bounds = new double[buckets.length];
            double[] counts = new double[buckets.length];
            for (int i = 0; i < buckets.length; i++) {
                bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
                counts[i] = buckets[i].count();
            }
            return new Histogram(bounds, counts, snapshot.count());
        }

        /** What was added since {@code before}; when counts went down (a reset), all of this one. */
        Histogram since(Histogram before) {
            if (before.boundsMs.length != boundsMs.length || before.total > total) {
                return this;
            }
            double[] counts = new double[cumulative.length];
            for (int i = 0; i < counts.length; i++) {
                if (before.boundsMs[i] != boundsMs[i] || before.cumulative[i] > cumulative[i]) {
                    return this;
                }
                counts[i] = cumulative[i] - before.cumulative[i];
            }
            return new Histogram(boundsMs, counts, total - before.total);
        }

        /**
         * The q-quantile as Prometheus' {@code histogram_quantile} estimates it: linear within the bucket the
         * rank falls in, the lowest bucket starting at 0, the highest finite bound when the rank is beyond it.
         */
        Double quantile(double q) {
            if (total <= 0 || boundsMs.length == 0) {
                return null;
            }
            double rank = q * total;
            double lowerBound = 0;
            double lowerCount = 0;
            for (int i = 0; i < boundsMs.length; i++) {
                if (cumulative[i] >= rank) {
                    double inBucket = cumulative[i] - lowerCount;
                    if (inBucket <= 0) {
                        return boundsMs[i];
                    }
                    return lowerBound + (boundsMs[i] - lowerBound) * (rank - lowerCount) / inBucket;
                }
                lowerBound = boundsMs[i];
                lowerCount = cumulative[i];
            }
            return boundsMs[boundsMs.length - 1];
        }
    }

    private final MeterRegistry registry;
    private final Clock clock;
    private final Duration interval;
    private final int capacity;
    private final ArrayDeque<Sample> samples;
    private Reading previous;
    private ScheduledExecutorService scheduler;

    public MetricsHistory(MeterRegistry registry, Clock clock) {
        this(registry, clock, INTERVAL, CAPACITY);
    }

    public MetricsHistory(MeterRegistry registry, Clock clock, Duration interval, int capacity) {
        this.registry = registry;
        this.clock = clock;
        this.interval = interval;
        this.capacity = capacity;
        this.samples = new ArrayDeque<>(capacity);
    }

    /** Takes a first sample now and one every interval after, on a daemon thread. */
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("metrics-history").unstarted(r));
        scheduler.scheduleAtFixedRate(this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Duration interval() {
        return interval;
    }

    public int capacity() {
        return capacity;
    }

    /** The samples held, oldest first. */
    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            log.warn("could not sample the metrics for the dashboard: {}", e.getMessage());
        }
    }

    /** Reads the meters now and appends the sample (dropping the oldest when full). */
    public synchronized Sample sample() {
        Reading now = read();
        Map<String, Double> values = new LinkedHashMap<>();
        double seconds = previous == null ? 0 : (now.atMs() - previous.atMs()) / 1000.0;
        rates(values, "ingest.", now.ingest(), previous == null ? null : previous.ingest(), seconds);
        Histogram ack = previous == null ? null : now.ack().since(previous.ack());
        values.put("ack.p50_ms", ack == null ? null : ack.quantile(0.5));
        values.put("ack.p99_ms", ack == null ? null : ack.quantile(0.99));
        rates(values, "processed.", now.processed(), previous == null ? null : previous.processed(), seconds);
        values.put("lag.seconds", gauges("livehook.process.lag.seconds", true));
        values.put("lag.events", gauges("livehook.process.lag.events", false));
        values.put("anomalies", previous == null ? null : Math.max(0, now.anomalies() - previous.anomalies()));
        values.put("dead_letters", gauges("livehook.process.dead.letters", false));
        values.put("rooms.active", gauges("livehook.rooms.active", false));
        Sample sample = new Sample(now.atMs(), Collections.unmodifiableMap(values));
        previous = now;
        if (samples.size() == capacity) {
            samples.removeFirst();
        }
        samples.addLast(sample);
        return sample;
    }

    private Reading read() {
        Timer ack = registry.find("livehook.ingest.ack").timer();
        return new Reading(clock.millis(), countersBy("livehook.ingest.requests", "outcome"),
                countersBy("livehook.process.events", "outcome"),
                registry.find("livehook.process.anomalies").counters().stream().mapToDouble(Counter::count).sum(),
                ack == null ? Histogram.EMPTY : Histogram.of(ack.takeSnapshot()));
    }

    private Map<String, Double> countersBy(String name, String tag) {
        Map<String, Double> totals = new TreeMap<>();
        for (Counter counter : registry.find(name).counters()) {
            String value = counter.getId().getTag(tag);
            totals.merge(value == null ? "none" : value, counter.count(), Double::sum);
        }
        return totals;
    }

    private static void rates(Map<String, Double> values, String prefix, Map<String, Double> now,
            Map<String, Double> before, double seconds) {
        for (Map.Entry<String, Double> e : now.entrySet()) {
            Double rate = null;
            if (before != null && seconds > 0) {
                double increase = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
                rate = increase < 0 ? e.getValue() / seconds : increase / seconds; // a reset: count from 0
            }
            values.put(prefix + e.getKey(), rate);
        }
    }

    /** The max (or sum) of a gauge's series; null when it has none or none can be read. */
    private Double gauges(String name, boolean max) {
        List<Double> readings = new ArrayList<>();
        for (Gauge gauge : registry.find(name).gauges()) {
            double value = gauge.value();
            if (!Double.isNaN(value)) {
                readings.add(value);
            }
        }
        if (readings.isEmpty()) {
            return null;
        }
        return max ? readings.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
                : readings.stream().mapToDouble(Double::doubleValue).sum();
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
