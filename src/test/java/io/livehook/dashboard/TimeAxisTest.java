package io.livehook.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The timeline's axis from seconds to years: round ticks, labels that fit and never overlap, idle time squeezed. */
class TimeAxisTest {
    static final double LEFT = 250;
    static final double RIGHT = 1144;
    /** A Monday, 09:00 UTC. */
    static final long T = Instant.parse("2026-03-02T09:00:00Z").toEpochMilli();

    static List<Long> every(long stepMs, long spanMs) {
        return LongStream.rangeClosed(0, spanMs / stepMs).mapToObj(i -> T + i * stepMs).toList();
    }

    /** Inside the plot, in time order, none touching another or a break's label. */
    static void assertLegible(TimeAxis axis) {
        List<double[]> extents = new ArrayList<>();
        for (TimeAxis.Stretch b : axis.breaks()) {
            double middle = (b.x0() + b.x1()) / 2;
            double half = TimeAxis.labelWidth(TimeAxis.breakLabel(b)) / 2;
            extents.add(new double[] {middle - half, middle + half});
        }
        double lastX = Double.NEGATIVE_INFINITY;
        for (TimeAxis.Tick tick : axis.ticks()) {
            assertThat(tick.x()).isGreaterThan(lastX).isEqualTo(axis.x(tick.atMs()));
            lastX = tick.x();
            double half = TimeAxis.labelWidth(tick.label()) / 2;
            assertThat(tick.x() - half).as(tick.label()).isGreaterThanOrEqualTo(LEFT);
            assertThat(tick.x() + half).as(tick.label()).isLessThanOrEqualTo(RIGHT);
            for (double[] other : extents) {
                assertThat(tick.x() + half <= other[0] || tick.x() - half >= other[1]).as(tick.label() + " overlaps")
                        .isTrue();
            }
            extents.add(new double[] {tick.x() - half, tick.x() + half});
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "40 seconds,    PT40S,   '(Mar 2 )?\\d\\d:\\d\\d:\\d\\d',                    PT1S,  PT30S",
        "20 minutes,    PT20M,   '(Mar 2 )?\\d\\d:\\d\\d',                           PT1M,  PT10M",
        "6 hours,       PT6H,    '(Mar 2 )?\\d\\d:\\d\\d',                           PT15M, PT3H",
        "3 days,        PT72H,   '(Mar 2 )?\\d\\d:00|Mar \\d',                      PT3H,  PT24H",
        "10 days,       PT240H,  '(Mar 2 )?\\d\\d:00|Mar \\d+',                     PT12H, PT48H",
        "4 months,      PT2880H, '[A-Z][a-z]{2} \\d+|[A-Z][a-z]{2} \\d{4}',      P7D,   P31D",
        "3 years,       PT26280H, '[A-Z][a-z]{2} \\d{4}|\\d{4}',                 P28D,  P366D",
    })
    void ticksAreRoundAndLegibleAtEverySpan(String name, Duration span, String labels, Duration minStep,
            Duration maxStep) {
        // something happens every 1/40 of the span: nothing is idle, nothing is squeezed
        TimeAxis axis = TimeAxis.of(T, T + span.toMillis(), every(span.toMillis() / 40, span.toMillis()), LEFT, RIGHT,
                null);
        assertThat(axis.breaks()).isEmpty();
        assertThat(axis.ticks()).hasSizeBetween(3, 16);
        assertLegible(axis);
        assertThat(axis.ticks()).allSatisfy(t -> assertThat(t.label()).matches(labels));
        if (span.toHours() < 24) {
            assertThat(axis.ticks().get(0).label()).as("the first says which day").startsWith("Mar 2 ");
            assertThat(axis.ticks().subList(1, axis.ticks().size())).noneSatisfy(t -> assertThat(t.label())
                    .startsWith("Mar"));
        }
        List<TimeAxis.Tick> ticks = axis.ticks();
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i).atMs() - ticks.get(i - 1).atMs()).as(name + " step")
                    .isBetween(minStep.toMillis(), maxStep.toMillis() * 2);
        }
        assertThat(axis.x(T)).isBetween(LEFT, LEFT + TimeAxis.PAD + 0.01);
        assertThat(axis.x(T + span.toMillis())).isBetween(RIGHT - TimeAxis.PAD - 0.01, RIGHT);
    }

    @Test
    void aDayStartsWithItsDate() {
        TimeAxis axis = TimeAxis.of(T, T + Duration.ofHours(40).toMillis(),
                every(Duration.ofHours(1).toMillis(), Duration.ofHours(40).toMillis()), LEFT, RIGHT, null);
        assertThat(axis.ticks()).filteredOn(TimeAxis.Tick::major).extracting(TimeAxis.Tick::label)
                .containsExactly("Mar 3", "Mar 4");
    }

    @Test
    void idleStretchesOfALongRoomAreSqueezedAndItsBurstsKeepTheirWidth() {
        long hour = 3_600_000;
        List<Long> moments = new ArrayList<>();
        for (long burst : new long[] {0, 40 * 24 * hour, 120 * 24 * hour}) {
            for (int minute = 0; minute <= 90; minute += 5) {
                moments.add(T + burst + minute * 60_000L);
            }
        }
        long end = T + 120 * 24 * hour + 90 * 60_000L;
        TimeAxis axis = TimeAxis.of(T, end, moments, LEFT, RIGHT, null);

        assertThat(axis.breaks()).hasSize(2).allSatisfy(b -> {
            assertThat(b.x1() - b.x0()).isEqualTo(TimeAxis.BREAK_WIDTH);
            assertThat(TimeAxis.breakLabel(b)).isIn("39d", "78d", "79d");
        });
        for (long burst : new long[] {0, 40 * 24 * hour, 120 * 24 * hour}) {
            assertThat(axis.x(T + burst + 90 * 60_000L) - axis.x(T + burst)).as("a burst's width").isGreaterThan(150);
        }
        double last = Double.NEGATIVE_INFINITY;
        for (long m : moments) {
            assertThat(axis.x(m)).isGreaterThan(last);
            last = axis.x(m);
        }
        // a bar across a break crosses it: a time inside it is drawn inside it
        TimeAxis.Stretch first = axis.breaks().get(0);
        assertThat(axis.x((first.fromMs() + first.toMs()) / 2)).isStrictlyBetween(first.x0(), first.x1());
        assertLegible(axis);
        assertThat(axis.ticks()).hasSizeGreaterThan(5).anySatisfy(t -> assertThat(t.label()).matches("\\d\\d:\\d\\d"));
        // after each break the first tick says which day it is
        assertThat(axis.ticks()).extracting(TimeAxis.Tick::label).filteredOn(l -> l.length() > 5)
                .satisfiesExactly(l -> assertThat(l).matches("Mar 2 09:\\d\\d"),
                        l -> assertThat(l).matches("Apr 11 09:\\d\\d"), l -> assertThat(l).matches("Jun 30 09:\\d\\d"));

        // without squeezing, the same room would be a month-scale axis where each burst is a sliver
        TimeAxis linear = TimeAxis.of(T, end, every(24 * hour, end - T), LEFT, RIGHT, null);
        assertThat(linear.breaks()).isEmpty();
        assertThat(linear.x(T + 90 * 60_000L) - linear.x(T)).isLessThan(1);
    }

    @Test
    void atMostEightBreaks() {
        long day = 86_400_000;
        List<Long> moments = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            moments.add(T + i * 10 * day); // ten silences of a tenth of the span each
        }
        long end = moments.get(moments.size() - 1);
        TimeAxis axis = TimeAxis.of(T, end, moments, LEFT, RIGHT, null);
        assertThat(axis.breaks()).hasSize(TimeAxis.MAX_BREAKS);
        assertLegible(axis);
    }

    @Test
    void theNowLabelTakesItsPlaceBeforeTicks() {
        long span = Duration.ofMinutes(20).toMillis();
        TimeAxis axis = TimeAxis.of(T, T + span, every(span / 40, span), LEFT, RIGHT, T + span);
        TimeAxis.NowLabel now = axis.nowLabel().orElseThrow();
        assertThat(now.anchor()).isEqualTo("end");
        double nowFrom = now.x() - TimeAxis.labelWidth(TimeAxis.NOW);
        assertThat(axis.ticks()).allSatisfy(t -> assertThat(t.x() + TimeAxis.labelWidth(t.label()) / 2 <= nowFrom
                || t.x() - TimeAxis.labelWidth(t.label()) / 2 >= now.x()).isTrue());
    }

    @Test
    void aMomentaryRoomGetsTenSeconds() {
        TimeAxis axis = TimeAxis.of(T, T, List.of(T), LEFT, RIGHT, null);
        assertThat(axis.endMs() - axis.startMs()).isGreaterThanOrEqualTo(TimeAxis.MIN_SPAN_MS);
        assertThat(axis.ticks()).hasSizeGreaterThanOrEqualTo(3);
        assertLegible(axis);
    }
}
