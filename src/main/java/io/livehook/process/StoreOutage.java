package io.livehook.process;

import org.slf4j.Logger;

/**
 * The log lines of a state store that keeps failing for a while (a full disk, a database restarting): the
 * first failure, then at most one line a minute while it lasts, and one when it is over, however many lanes
 * retry how often meanwhile.
 */
final class StoreOutage {
    private static final long REPORT_EVERY_NS = 60_000_000_000L;

    private final Logger log;
    private volatile long sinceNs = -1;
    private long lastReportNs;
    private long failures;

    StoreOutage(Logger log) {
        this.log = log;
    }

    synchronized void failed(Throwable e) {
        long now = System.nanoTime();
        failures++;
        if (sinceNs < 0) {
            sinceNs = now;
            lastReportNs = now;
            log.warn("the state store failed; processing waits and retries, nothing is dead-lettered for it: {}",
                    describe(e));
        } else if (now - lastReportNs >= REPORT_EVERY_NS) {
            lastReportNs = now;
            log.warn("the state store has been failing for {} s ({} failed attempts); processing still waits: {}",
                    (now - sinceNs) / 1_000_000_000L, failures, describe(e));
        }
    }

    void over() {
        if (sinceNs < 0) {
            return; // the usual case, without taking the lock
        }
        synchronized (this) {
            if (sinceNs < 0) {
                return;
            }
            log.info("the state store works again after {} s ({} failed attempts); processing goes on",
                    (System.nanoTime() - sinceNs) / 1_000_000_000L, failures);
            sinceNs = -1;
            failures = 0;
        }
    }

    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
