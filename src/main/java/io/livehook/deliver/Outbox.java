package io.livehook.deliver;

import io.livehook.config.DestinationConfig;
import io.livehook.state.StateTx;
import io.livehook.state.StoredEvent;
import java.sql.SQLException;
import java.util.List;

/**
 * Where processing hands events over for delivery. {@link #enqueue} runs inside the transaction that
 * applies the event, so the deliveries exist exactly when the event counts as applied; {@link #committed}
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

    /** Queues a newly applied event for every destination whose filter accepts it; returns how many. */
    public int enqueue(StateTx tx, StoredEvent event, long nowMs) throws SQLException {
        int created = 0;
        for (DestinationConfig destination : destinations) {
            if (destination.events().accepts(event.eventType())) {
                tx.queueDelivery(destination.name(), event, nowMs);
                created++;
            }
        }
        return created;
    }

    public void committed() {
        onCommit.run();
    }
}
