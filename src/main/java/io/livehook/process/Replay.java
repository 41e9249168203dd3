package io.livehook.process;

import io.livehook.log.EventLog;
import io.livehook.state.StateLocation;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;

/**
 * Rebuilds all state from the raw log: a fresh store beside the live one (a file beside the SQLite file, a
 * schema beside the PostgreSQL schema) is filled by the same processor live traffic uses, then takes the old
 * one's place in one step. Until then the old state is untouched, so a failed replay loses nothing.
 * Deliveries are not state derived from the log but a record of what was sent: the rebuild creates none
 * (nothing is sent again) and carries the old state's deliveries and attempts over as they are.
 */
public final class Replay {
    private Replay() {}

    /** Follows a rebuild, for a progress display. */
    public interface Watcher {
        /** The processor runs: its {@code appliedUpTo} tells how far it is. */
        void started(Processor processor);

        /** Every event is applied; the deliveries are carried over and the stores swapped next. */
        default void caughtUp() {}
    }

    /** Returns how many events the rebuilt state holds. */
    public static long rebuild(EventLog eventLog, StateLocation state, int lanes, Clock clock, Duration timeout)
            throws IOException, InterruptedException {
        return rebuild(eventLog, state, lanes, clock, timeout, processor -> {});
    }

    /** As above, telling {@code watcher} how it goes. */
    public static long rebuild(EventLog eventLog, StateLocation state, int lanes, Clock clock, Duration timeout,
            Watcher watcher) throws IOException, InterruptedException {
        try {
            return StateStore.rebuild(state, fresh -> {
                // Nothing competes with a replay for the CPU: it keeps the priority it was started with.
                try (Processor processor = new Processor(eventLog, fresh, lanes, clock, new SimpleMeterRegistry())) {
                    processor.start();
                    watcher.started(processor);
                    if (!processor.awaitCaughtUp(timeout)) {
                        throw new IOException("replay did not catch up with the log within " + timeout);
                    }
                    watcher.caughtUp();
                }
                return new StateQueries(fresh, clock).eventCount();
            });
        } catch (SQLException e) {
            throw new IOException("cannot rebuild the state at " + state.describe() + ": " + e.getMessage(), e);
        }
    }
}
