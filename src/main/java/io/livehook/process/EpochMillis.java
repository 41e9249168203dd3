package io.livehook.process;

/** LiveKit's timestamps come in seconds, milliseconds, microseconds or nanoseconds depending on the field. */
final class EpochMillis {
    private EpochMillis() {}

    /**
     * Any Unix timestamp of this era, whatever its unit, in milliseconds; 0 stays 0 (absent). Today is
     * about 1.8e9 s = 1.8e12 ms = 1.8e15 us = 1.8e18 ns, so the magnitude tells the unit.
     */
    static long fromAnyUnit(long value) {
        if (value <= 0) {
            return 0;
        } else if (value < 100_000_000_000L) {
            return value * 1000;
        } else if (value < 100_000_000_000_000L) {
            return value;
        } else if (value < 100_000_000_000_000_000L) {
            return value / 1000;
        }
        return value / 1_000_000;
    }
}
