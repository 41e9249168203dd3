package io.livehook.reconcile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** Reconciliation's meters: passes, RoomService calls and corrections. */
final class ReconcileMetrics {
    private final MeterRegistry registry;

    ReconcileMetrics(MeterRegistry registry) {
        this.registry = registry;
        // Every series exists from the start, at 0, so increase() sees the first one too.
        for (Correction.Kind kind : Correction.Kind.values()) {
            corrections(kind);
        }
        for (String outcome : List.of("ok", "error")) {
            runs(outcome);
            for (String method : List.of("ListRooms", "ListParticipants")) {
                requests(method, outcome);
            }
        }
    }

    void correction(Correction.Kind kind) {
        corrections(kind).increment();
    }

    void run(String outcome) {
        runs(outcome).increment();
    }

    void request(String method, String outcome) {
        requests(method, outcome).increment();
    }

    private Counter corrections(Correction.Kind kind) {
        return Counter.builder("livehook.reconcile.corrections")
                .description("Corrections reconciliation wrote to the log, by kind")
                .tag("kind", kind.label())
                .register(registry);
    }

    private Counter runs(String outcome) {
        return Counter.builder("livehook.reconcile.runs")
                .description("Reconciliation passes, by outcome (error: a RoomService call failed, nothing corrected)")
                .tag("outcome", outcome)
                .register(registry);
    }

    private Counter requests(String method, String outcome) {
        return Counter.builder("livehook.reconcile.requests")
                .description("RoomService calls, by method and outcome")
                .tag("method", method)
                .tag("outcome", outcome)
                .register(registry);
    }
}
