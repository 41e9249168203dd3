package io.livehook.process;

import io.livehook.log.EventLog;
import io.livehook.state.StateStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;

/**
 * Rebuilds all state from the raw log: a fresh state file is filled by the same processor live traffic
 * uses, then takes the old file's place. Until the swap the old state is untouched, so a failed replay
 * loses nothing.
 */
public final class Replay {
    private Replay() {}

    /** Returns how many events the rebuilt state holds. */
    public static long rebuild(EventLog eventLog, Path stateFile, int lanes, Clock clock, Duration timeout)
            throws IOException, InterruptedException {
        Path fresh = stateFile.resolveSibling(stateFile.getFileName() + ".replay");
        deleteDatabase(fresh);
        long applied;
        try (StateStore store = StateStore.sqlite(fresh);
                Processor processor = new Processor(eventLog, store, lanes, clock, new SimpleMeterRegistry())) {
            processor.start();
            if (!processor.awaitCaughtUp(timeout)) {
                throw new IOException("replay did not catch up with the log within " + timeout);
            }
            applied = store.read(c -> io.livehook.state.Jdbc.count(c, "SELECT count(*) FROM events"));
        }
        deleteDatabase(stateFile);
        Files.move(fresh, stateFile, StandardCopyOption.ATOMIC_MOVE);
        return applied;
    }

    private static void deleteDatabase(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-wal"));
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-shm"));
    }
}
