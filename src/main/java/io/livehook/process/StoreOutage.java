package io.livehook.process;

import org.slf4j.Logger;

/**
 * The log lines of one processing thread while the state store keeps failing it (a full disk, a database
 * restarting): the first failure, then at most one line a minute while it lasts, and one when it is over,
 * however often the thread retries meanwhile. Used by that thread alone.
 */
final class StoreOutage {
    private static final long REPORT_EVERY_NS = 60_000_000_000L;

    private final Logger log;
    private final String who;
    private long sinceNs = -1;
    private long lastReportNs;
    private long failures;

    StoreOutage(Logger log, String who) {
        this.log = log;
        this.who = who;
    }

    void failed(Throwable e) {
        long now = System.nanoTime();
        failures++;
        if (sinceNs < 0) {
            sinceNs = now;
            lastReportNs = now;
            log.warn("{}: the state store failed; it waits and retries, and dead-letters nothing for it: {}", who,
                    describe(e));
        } else if (now - lastReportNs >= REPORT_EVERY_NS) {
            lastReportNs = now;
            log.warn("{}: the state store has been failing for {} s ({} failed attempts); it still waits: {}", who,
                    (now - sinceNs) / 1_000_000_000L, failures, describe(e));
        }
    }

    void over() {
        if (sinceNs >= 0) {
            log.info("{}: the state store works again after {} s ({} failed attempts)", who,
                    (System.nanoTime() - sinceNs) / 1_000_000_000L, failures);
            sinceNs = -1;
            failures = 0;
        }
    }

    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
