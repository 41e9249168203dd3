package io.livehook.process;

import io.livehook.log.EventLog;
import io.livehook.log.Sqlite;
import io.livehook.state.Jdbc;
import io.livehook.state.StateStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;

/**
 * Rebuilds all state from the raw log: a fresh state file is filled by the same processor live traffic
 * uses, then takes the old file's place. Until the swap the old state is untouched, so a failed replay
 * loses nothing. Deliveries are not state derived from the log but a record of what was sent: the rebuild
 * creates none (nothing is sent again) and carries the old file's deliveries and attempts over as they are.
 */
public final class Replay {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Replay.class);
    private static final String DELIVERY_COLUMNS = "destination, event_id, replay, event_type, queue_key, "
            + "log_partition, log_offset, received_at_ms, status, attempts, round_attempts, next_attempt_ms, "
            + "created_ms, queued_ms, delivered_ms, dead_ms, last_error";
    private static final String ATTEMPT_COLUMNS = "destination, event_id, replay, attempt, started_ms, latency_ms, "
            + "http_status, error, response_snippet, outcome";

    private Replay() {}

    /** Returns how many events the rebuilt state holds. */
    public static long rebuild(EventLog eventLog, Path stateFile, int lanes, Clock clock, Duration timeout)
            throws IOException, InterruptedException {
        return rebuild(eventLog, stateFile, lanes, clock, timeout, processor -> {});
    }

    /** Follows a rebuild, for a progress display. */
    public interface Watcher {
        /** The processor runs: its {@code appliedUpTo} tells how far it is. */
        void started(Processor processor);

        /** Every event is applied; the deliveries are carried over and the files swapped next. */
        default void caughtUp() {}
    }

    /** As above, telling {@code watcher} how it goes. */
    public static long rebuild(EventLog eventLog, Path stateFile, int lanes, Clock clock, Duration timeout,
            Watcher watcher) throws IOException, InterruptedException {
        Path fresh = stateFile.resolveSibling(stateFile.getFileName() + ".replay");
        deleteDatabase(fresh);
        long applied;
        try (StateStore store = StateStore.sqlite(fresh);
                // Nothing competes with a replay for the CPU: it keeps the priority it was started with.
                Processor processor = new Processor(eventLog, store, lanes, clock, new SimpleMeterRegistry())) {
            processor.start();
            watcher.started(processor);
            if (!processor.awaitCaughtUp(timeout)) {
                throw new IOException("replay did not catch up with the log within " + timeout);
            }
            watcher.caughtUp();
            applied = store.read(c -> Jdbc.count(c, "SELECT count(*) FROM events"));
        }
        carryOverDeliveries(stateFile, fresh);
        deleteDatabase(stateFile);
        Files.move(fresh, stateFile, StandardCopyOption.ATOMIC_MOVE);
        return applied;
    }

    /** Copies the deliveries and their attempts from the old state file into the rebuilt one. */
    static void carryOverDeliveries(Path oldFile, Path fresh) throws IOException {
        if (!Files.exists(oldFile)) {
            return;
        }
        try (Connection c = Sqlite.dataSource(fresh, true).getConnection()) {
            Jdbc.update(c, "ATTACH DATABASE ? AS old", oldFile.toAbsolutePath().toString());
            try {
                if (Jdbc.count(c, "SELECT count(*) FROM old.sqlite_master WHERE type = 'table' AND name = 'deliveries'")
                        == 0) {
                    return; // state from before deliveries existed
                }
                c.setAutoCommit(false);
                int deliveries = Jdbc.update(c, "INSERT INTO main.deliveries (" + DELIVERY_COLUMNS + ") SELECT "
                        + DELIVERY_COLUMNS + " FROM old.deliveries");
                int attempts = Jdbc.update(c, "INSERT INTO main.delivery_attempts (" + ATTEMPT_COLUMNS + ") SELECT "
                        + ATTEMPT_COLUMNS + " FROM old.delivery_attempts");
                c.commit();
                c.setAutoCommit(true);
                log.info("carried {} deliveries and {} delivery attempts over to the rebuilt state", deliveries,
                        attempts);
            } finally {
                Jdbc.update(c, "DETACH DATABASE old");
            }
        } catch (SQLException e) {
            throw new IOException("cannot carry deliveries over from " + oldFile + ": " + e.getMessage(), e);
        }
    }

    private static void deleteDatabase(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-wal"));
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-shm"));
    }
}
