package io.livehook.dashboard;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The time scale of a room's timeline, readable from seconds to months. Long idle stretches (nothing starts,
 * ends or happens for at least six hours and a tenth of the room's span) are squeezed to a narrow break,
 * so the busy parts of a room that lived for months keep their width; the rest of the axis has one scale, so
 * bars keep their proportions. Ticks fall on round UTC times (seconds, minutes, hours, days, Mondays, months,
 * years), at a spacing chosen from the scale so that labels fit, and a label that would still touch another
 * (or a break's, or "now") is left out with its tick: labels never overlap. Below a day, the first tick of each
 * stretch and every midnight carry the date.
 */
final class TimeAxis {
    /** A stretch drawn to scale, or an idle one squeezed to {@link #BREAK_WIDTH}. */
    record Stretch(long fromMs, long toMs, double x0, double x1, boolean squeezed) {
        double x(long ms) {
            return toMs == fromMs ? x0 : x0 + (x1 - x0) * (ms - fromMs) / (double) (toMs - fromMs);
        }
    }

    /** A tick on the axis; {@code major} ticks start a day (their label is the date). */
    record Tick(long atMs, double x, String label, boolean major) {}

    /** A label's place on the axis, for the overlap check. */
    record Label(double from, double to) {
        boolean touches(Label other) {
            return from < other.to + LABEL_GAP && other.from < to + LABEL_GAP;
        }
    }

    static final double CHAR_WIDTH = 6.6;
    static final double LABEL_GAP = 6;
    static final double BREAK_WIDTH = 30;
    static final double PAD = 10;
    static final long MIN_SPAN_MS = 10_000;
    static final long MIN_IDLE_MS = 6 * 3_600_000;
    static final int MAX_BREAKS = 8;
    private static final double MIN_TICK_SPACING = 64;
    private static final long DAY = 86_400_000L;
    private static final DateTimeFormatter SECONDS = format("HH:mm:ss");
    private static final DateTimeFormatter MINUTES = format("HH:mm");
    private static final DateTimeFormatter DATE = format("MMM d");
    private static final DateTimeFormatter MONTH = format("MMM yyyy");
    private static final DateTimeFormatter YEAR = format("yyyy");

    /** Tick steps, smallest first; months and years step by calendar, the rest by milliseconds. */
    private enum Step {
        S1(1_000), S2(2_000), S5(5_000), S10(10_000), S15(15_000), S30(30_000),
        M1(60_000), M2(120_000), M5(300_000), M10(600_000), M15(900_000), M30(1_800_000),
        H1(3_600_000), H2(7_200_000), H3(10_800_000), H6(21_600_000), H12(43_200_000),
        D1(DAY), D2(2 * DAY), WEEK(7 * DAY),
        MONTH1(30 * DAY), MONTH3(91 * DAY), MONTH6(182 * DAY), YEAR1(365 * DAY);

        /** Its length, for choosing; months and years are near enough. */
        final long ms;

        Step(long ms) {
            this.ms = ms;
        }

        /** The widest label it writes, in characters: "12:00:05", "Sep 30" (where a day starts), "Sep 2026", "2026". */
        int labelChars() {
            return ms < 60_000 ? 8 : ms < MONTH1.ms ? 6 : ms < YEAR1.ms ? 8 : 4;
        }
    }

    /** Where the "now" label goes: its x and its SVG text-anchor. */
    record NowLabel(double x, String anchor) {}

    static final String NOW = "now";

    private final List<Stretch> stretches;
    private final Step step;
    private final List<Label> taken = new ArrayList<>();
    private final NowLabel nowLabel;
    private final List<Tick> ticks;

    private TimeAxis(List<Stretch> stretches, Long now) {
        this.stretches = stretches;
        double msPerPx = 0;
        for (Stretch s : stretches) {
            if (!s.squeezed() && s.x1() > s.x0()) {
                msPerPx = (s.toMs() - s.fromMs()) / (s.x1() - s.x0());
                break;
            }
        }
        this.step = chooseStep(msPerPx);
        for (Stretch b : breaks()) {
            double middle = (b.x0() + b.x1()) / 2;
            double half = labelWidth(breakLabel(b)) / 2;
            taken.add(new Label(middle - half, middle + half));
        }
        this.nowLabel = now == null ? null : placeNow(x(now));
        this.ticks = placeTicks();
    }

    /**
     * The axis from {@code startMs} to {@code endMs} drawn between x {@code left} and {@code right}, squeezing the
     * idle stretches between the {@code moments} something happened (starts, ends, events, anomalies), with room
     * for a "now" label at {@code now} (null: none).
     */
    static TimeAxis of(long startMs, long endMs, List<Long> moments, double left, double right, Long now) {
        if (endMs - startMs < MIN_SPAN_MS) {
            long middle = startMs + (endMs - startMs) / 2;
            startMs = middle - MIN_SPAN_MS / 2;
            endMs = startMs + MIN_SPAN_MS;
        }
        TreeSet<Long> times = new TreeSet<>();
        times.add(startMs);
        times.add(endMs);
        for (Long t : moments) {
            if (t != null && t >= startMs && t <= endMs) {
                times.add(t);
            }
        }
        long span = endMs - startMs;
        long idle = Math.max(MIN_IDLE_MS, span / 10);
        List<long[]> quiet = new ArrayList<>();
        Long previous = null;
        for (long t : times) {
            if (previous != null && t - previous >= idle) {
                // keep a little of each side of the silence, so what happened just before and after stays visible
                long margin = Math.clamp((t - previous) / 100, 60_000, 600_000);
                quiet.add(new long[] {previous + margin, t - margin});
            }
            previous = t;
        }
        quiet.sort(Comparator.comparingLong((long[] q) -> q[1] - q[0]).reversed());
        List<long[]> breaks = new ArrayList<>(quiet.subList(0, Math.min(MAX_BREAKS, quiet.size())));
        breaks.sort(Comparator.comparingLong(q -> q[0]));

        long drawn = span;
        for (long[] b : breaks) {
            drawn -= b[1] - b[0];
        }
        double width = right - left - 2 * PAD - breaks.size() * BREAK_WIDTH;
        double pxPerMs = width / drawn;
        long padMs = Math.round(PAD / pxPerMs);
        List<Stretch> stretches = new ArrayList<>();
        double x = left;
        long from = startMs - padMs;
        for (long[] b : breaks) {
            double x1 = x + (b[0] - from) * pxPerMs;
            stretches.add(new Stretch(from, b[0], x, x1, false));
            stretches.add(new Stretch(b[0], b[1], x1, x1 + BREAK_WIDTH, true));
            x = x1 + BREAK_WIDTH;
            from = b[1];
        }
        stretches.add(new Stretch(from, endMs + padMs, x, right, false));
        return new TimeAxis(stretches, now);
    }

    /** Where {@code ms} is drawn; times outside the axis continue its first or last stretch's scale. */
    double x(long ms) {
        Stretch first = stretches.get(0);
        if (ms < first.fromMs()) {
            return first.x(ms);
        }
        for (Stretch s : stretches) {
            if (ms <= s.toMs()) {
                return s.x(ms);
            }
        }
        return stretches.get(stretches.size() - 1).x(ms);
    }

    long startMs() {
        return stretches.get(0).fromMs();
    }

    long endMs() {
        return stretches.get(stretches.size() - 1).toMs();
    }

    List<Stretch> breaks() {
        return stretches.stream().filter(Stretch::squeezed).toList();
    }

    List<Tick> ticks() {
        return ticks;
    }

    /** "14h", "79d", "4mo", "2y": how long a squeezed stretch was, short enough to fit its break. */
    static String breakLabel(Stretch s) {
        long ms = s.toMs() - s.fromMs();
        if (ms >= 730 * DAY) {
            return ms / (365 * DAY) + "y";
        } else if (ms >= 100 * DAY) {
            return ms / (30 * DAY) + "mo";
        } else if (ms >= 2 * DAY) {
            return ms / DAY + "d";
        } else if (ms >= 3_600_000) {
            return ms / 3_600_000 + "h";
        }
        return ms / 60_000 + "m";
    }

    static double labelWidth(String text) {
        return text.length() * CHAR_WIDTH;
    }

    private static Step chooseStep(double msPerPx) {
        for (Step s : Step.values()) {
            double spacing = s.ms / msPerPx;
            if (spacing >= Math.max(MIN_TICK_SPACING, s.labelChars() * CHAR_WIDTH + 2 * LABEL_GAP)) {
                return s;
            }
        }
        return Step.YEAR1;
    }

    /** Left of the now line if there is room, else right of it, else none. */
    private NowLabel placeNow(double x) {
        double width = labelWidth(NOW);
        for (NowLabel candidate : List.of(new NowLabel(x - 3, "end"), new NowLabel(x + 3, "start"))) {
            Label extent = candidate.anchor().equals("end") ? new Label(x - 3 - width, x - 3)
                    : new Label(x + 3, x + 3 + width);
            if (extent.from() >= left() && extent.to() <= right() && taken.stream().noneMatch(extent::touches)) {
                taken.add(extent);
                return candidate;
            }
        }
        return null;
    }

    private double left() {
        return stretches.get(0).x0();
    }

    private double right() {
        return stretches.get(stretches.size() - 1).x1();
    }

    /** Where to write "now", if anywhere. */
    Optional<NowLabel> nowLabel() {
        return Optional.ofNullable(nowLabel);
    }

    private List<Tick> placeTicks() {
        double left = left();
        double right = right();
        List<Tick> placed = new ArrayList<>();
        for (Stretch s : stretches) {
            if (s.squeezed()) {
                continue;
            }
            boolean dated = false;
            for (long t = first(s.fromMs()); t <= s.toMs(); t = next(t)) {
                double x = s.x(t);
                // the first time of day in each stretch says which day it is
                String label = dated || step.ms >= DAY || t % DAY == 0 ? label(t) : DATE.format(Instant.ofEpochMilli(t))
                        + " " + label(t);
                Label extent = new Label(x - labelWidth(label) / 2, x + labelWidth(label) / 2);
                if (extent.from() < left || extent.to() > right || taken.stream().anyMatch(extent::touches)) {
                    continue;
                }
                taken.add(extent);
                dated = true;
                placed.add(new Tick(t, x, label, step.ms < DAY && t % DAY == 0));
            }
        }
        return List.copyOf(placed);
    }

    /** The first round time at or after {@code ms}. */
    private long first(long ms) {
        ZonedDateTime at = Instant.ofEpochMilli(ms).atZone(ZoneOffset.UTC);
        ZonedDateTime round = switch (step) {
            case WEEK -> at.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.nextOrSame(DayOfWeek.MONDAY));
            case MONTH1, MONTH3, MONTH6 -> {
                int months = months();
                LocalDate month = at.toLocalDate().withDayOfMonth(1);
                month = month.minusMonths((month.getMonthValue() - 1) % months);
                ZonedDateTime start = month.atStartOfDay(ZoneOffset.UTC);
                yield start.isBefore(at) ? start.plusMonths(months) : start;
            }
            case YEAR1 -> {
                ZonedDateTime start = LocalDate.of(at.getYear(), 1, 1).atStartOfDay(ZoneOffset.UTC);
                yield start.isBefore(at) ? start.plusYears(1) : start;
            }
            default -> Instant.ofEpochMilli(Math.floorDiv(ms + step.ms - 1, step.ms) * step.ms).atZone(ZoneOffset.UTC);
        };
        return round.toInstant().toEpochMilli();
    }

    private long next(long ms) {
        ZonedDateTime at = Instant.ofEpochMilli(ms).atZone(ZoneOffset.UTC);
        return switch (step) {
            case MONTH1, MONTH3, MONTH6 -> at.plusMonths(months()).toInstant().toEpochMilli();
            case YEAR1 -> at.plusYears(1).toInstant().toEpochMilli();
            default -> ms + step.ms;
        };
    }

    private int months() {
        return switch (step) {
            case MONTH3 -> 3;
            case MONTH6 -> 6;
            default -> 1;
        };
    }

    private String label(long ms) {
        Instant at = Instant.ofEpochMilli(ms);
        if (step.ms < DAY && ms % DAY == 0) {
            return DATE.format(at);
        }
        if (step.ms < 60_000) {
            return SECONDS.format(at);
        } else if (step.ms < DAY) {
            return MINUTES.format(at);
        } else if (step.ms < Step.MONTH1.ms) {
            return DATE.format(at);
        } else if (step.ms < Step.YEAR1.ms) {
            return MONTH.format(at);
        }
        return YEAR.format(at);
    }

    private static DateTimeFormatter format(String pattern) {
        return DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).withZone(ZoneOffset.UTC);
    }
}
