package io.livehook.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.livehook.testing.HandClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The dashboard's ring of samples: rates, interval quantiles and gauges read like Prometheus would. */
class MetricsHistoryTest {

    /** Meters named and shaped like ingest's and the processor's. */
    static final class Meters {
        final MeterRegistry registry = Metrics.prometheus();
        final Timer ack = Timer.builder("livehook.ingest.ack").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        final AtomicLong lag = new AtomicLong();

        Meters() {
            Gauge.builder("livehook.process.lag.seconds", () -> lag.get()).tag("partition", "0").register(registry);
            Gauge.builder("livehook.process.lag.seconds", () -> 2.0).tag("partition", "1").register(registry);
            Gauge.builder("livehook.process.lag.events", () -> 3.0).tag("partition", "0").register(registry);
            Gauge.builder("livehook.process.lag.events", () -> 4.0).tag("partition", "1").register(registry);
            Gauge.builder("livehook.process.dead.letters", () -> Double.NaN).register(registry);
        }

        Counter requests(String outcome, String reason) {
            return Counter.builder("livehook.ingest.requests").tag("status", "200").tag("outcome", outcome)
                    .tag("reason", reason).register(registry);
        }

        Counter anomalies(String kind) {
            return Counter.builder("livehook.process.anomalies").tag("kind", kind).register(registry);
        }

        void answer(int n, long millis) {
            for (int i = 0; i < n; i++) {
                ack.record(millis, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Test
    void ratesQuantilesAndGaugesPerInterval() {
        HandClock clock = new HandClock();
        Meters m = new Meters();
        MetricsHistory history = new MetricsHistory(m.registry, clock, Duration.ofSeconds(10), 360);
        m.requests("appended", "none").increment(5);

        MetricsHistory.Sample first = history.sample();
        assertThat(first.atMs()).isEqualTo(clock.millis());
        assertThat(first.values()).containsEntry("ingest.appended", null).containsEntry("ack.p50_ms", null)
                .containsEntry("anomalies", null)
                .containsEntry("lag.seconds", 2.0).containsEntry("lag.events", 7.0)
                .containsEntry("dead_letters", null).containsEntry("rooms.active", null);

        // interval 1: 30 appended + 10 rejected in 10 s; 90 answers at 1 ms, 10 at 200 ms; 3 anomalies
        clock.advance(Duration.ofSeconds(10));
        m.requests("appended", "none").increment(30);
        m.requests("rejected", "bad_signature").increment(4);
        m.requests("rejected", "expired").increment(6);
        m.answer(90, 1);
        m.answer(10, 200);
        m.anomalies("room_inferred").increment(2);
        m.anomalies("stale_event").increment();
        m.lag.set(9);
        MetricsHistory.Sample second = history.sample();
        assertThat(second.values().get("ingest.appended")).isCloseTo(3.0, within(1e-9));
        assertThat(second.values().get("ingest.rejected")).as("reasons summed").isCloseTo(1.0, within(1e-9));
        assertThat(second.values().get("ack.p50_ms")).isBetween(0.5, 1.5);
        assertThat(second.values().get("ack.p99_ms")).isBetween(150.0, 250.0);
        assertThat(second.values().get("anomalies")).isEqualTo(3.0);
        assertThat(second.values().get("lag.seconds")).as("max over partitions").isEqualTo(9.0);

        // interval 2: only slow answers; the quantiles forget interval 1
        clock.advance(Duration.ofSeconds(10));
        m.answer(50, 200);
        MetricsHistory.Sample third = history.sample();
        assertThat(third.values().get("ack.p50_ms")).isBetween(150.0, 250.0);
        assertThat(third.values().get("ingest.appended")).isEqualTo(0.0);
        assertThat(third.values().get("anomalies")).isEqualTo(0.0);

        // interval 3: no answers at all: no quantile to speak of
        clock.advance(Duration.ofSeconds(10));
        assertThat(history.sample().values().get("ack.p99_ms")).isNull();
        assertThat(history.samples()).hasSize(4).extracting(MetricsHistory.Sample::atMs).isSorted();
    }

    @Test
    void theRingKeepsTheNewestSamples() {
        HandClock clock = new HandClock();
        MetricsHistory history = new MetricsHistory(new Meters().registry, clock, Duration.ofSeconds(10), 3);
        for (int i = 0; i < 5; i++) {
            history.sample();
            clock.advance(Duration.ofSeconds(10));
        }
        long start = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        assertThat(history.samples()).extracting(MetricsHistory.Sample::atMs)
                .containsExactly(start + 20_000, start + 30_000, start + 40_000);
    }

    @Test
    void quantilesInterpolateLikeHistogramQuantile() {
        // buckets le=1: 10, le=2: 30, le=4: 40, +Inf: 50
        var h = new MetricsHistory.Histogram(new double[] {1, 2, 4}, new double[] {10, 30, 40}, 50);
        assertThat(h.quantile(0.1)).isCloseTo(0.5 * 1, within(1e-9)); // rank 5 in (0,1]
        assertThat(h.quantile(0.5)).isCloseTo(1 + (25 - 10) / 20.0, within(1e-9)); // rank 25 in (1,2]
        assertThat(h.quantile(0.8)).isCloseTo(4.0, within(1e-9)); // rank 40 at the top of (2,4]
        assertThat(h.quantile(0.99)).as("beyond the last finite bucket").isEqualTo(4.0);
        assertThat(new MetricsHistory.Histogram(new double[] {1}, new double[] {0}, 0).quantile(0.5)).isNull();
        var later = new MetricsHistory.Histogram(new double[] {1, 2, 4}, new double[] {10, 40, 60}, 70);
        var interval = later.since(h);
        assertThat(interval.cumulative()).containsExactly(0, 10, 20);
        assertThat(interval.total()).isEqualTo(20);
    }

    @Test
    void startSamplesInTheBackgroundAndCloseStops() throws InterruptedException {
        MetricsHistory history = new MetricsHistory(new Meters().registry, Clock.systemUTC(), Duration.ofMillis(20), 100);
        history.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (history.samples().size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        history.close();
        assertThat(history.samples()).hasSizeGreaterThanOrEqualTo(3);
        int size = history.samples().size();
        Thread.sleep(100);
        assertThat(history.samples()).hasSize(size);
    }
}
