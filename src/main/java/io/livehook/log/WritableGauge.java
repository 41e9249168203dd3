package io.livehook.log;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code livehook_log_writable}: 1 while the event log takes writes, 0 while it cannot (disk full, I/O error,
 * broker unreachable). While it is 0 every webhook is answered 503 and LiveKit drops what its retries cannot
 * place: the alert that must wake someone, which readiness alone does not do.
 */
public final class WritableGauge {
    private WritableGauge() {}

    public static void register(MeterRegistry registry, EventLog eventLog) {
        Gauge.builder("livehook.log.writable", eventLog, log -> log.writeProblem().isEmpty() ? 1 : 0)
                .description("1 while the event log takes writes, 0 while webhooks are answered 503")
                .register(registry);
    }
}
