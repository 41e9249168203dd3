package io.livehook.process;

import io.livehook.log.LoggedEvent;
import io.livehook.state.Anomaly;
import java.util.List;

/** What applying one event did, for metrics and logs after the commit; {@code error} only when dead-lettered. */
record Outcome(LoggedEvent event, String result, List<Anomaly> anomalies, String error) {
    static final String APPLIED = "applied";
    static final String DUPLICATE = "duplicate";
    static final String DEAD_LETTERED = "dead_lettered";

    static Outcome applied(LoggedEvent event, List<Anomaly> anomalies) {
        return new Outcome(event, APPLIED, anomalies, null);
    }

    static Outcome duplicate(LoggedEvent event) {
        return new Outcome(event, DUPLICATE, List.of(), null);
    }

    static Outcome deadLettered(LoggedEvent event, String error) {
        return new Outcome(event, DEAD_LETTERED, List.of(), error);
    }
}
