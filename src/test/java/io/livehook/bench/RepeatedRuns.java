package io.livehook.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** What the benchmarks report of runs repeated on a shared machine: the median, and how busy the machine was. */
final class RepeatedRuns {
    private RepeatedRuns() {}

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** The one-minute load average, printed beside the figures. */
    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
