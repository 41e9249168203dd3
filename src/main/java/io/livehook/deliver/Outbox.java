package io.livehook.deliver;

import io.livehook.config.DestinationConfig;
import io.livehook.state.StateTx;
import io.livehook.state.StoredEvent;
import java.sql.SQLException;
import java.util.List;

/**
 * Where processing hands events over for delivery. {@link #enqueue} runs inside the transaction that
 * applies the events, so the deliveries exist exactly when the event counts as applied; {@link #committed}
 * is called after that transaction commits and wakes the senders.
 */
public final class Outbox {
    /** Creates no deliveries: for rebuilding state from the log, which must not re-send anything. */
    public static final Outbox NONE = new Outbox(List.of(), () -> {});

    private final List<DestinationConfig> destinations;
    private final Runnable onCommit;

    public Outbox(List<DestinationConfig> destinations, Runnable onCommit) {
        this.destinations = List.copyOf(destinations);
        this.onCommit = onCommit;
    }

    /** Queues newly applied events for every destination whose filter accepts them; returns how many deliveries. */
    public int enqueue(StateTx tx, List<StoredEvent> events, long nowMs) throws SQLException {
        int created = 0;
        for (DestinationConfig destination : destinations) {
            List<StoredEvent> accepted = events.stream().filter(e -> destination.events().accepts(e.eventType()))
                    .toList();
            tx.queueDeliveries(destination.name(), accepted, nowMs);
            created += accepted.size();
        }
        return created;
    }

    public void committed() {
        onCommit.run();
    }
}
