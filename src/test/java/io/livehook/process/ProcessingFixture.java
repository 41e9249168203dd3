package io.livehook.process;

import io.livehook.ingest.EventHeader;
import io.livehook.log.Appended;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.FileEventLog;
import io.livehook.log.IncomingEvent;
import io.livehook.log.Origin;
import io.livehook.simulate.LiveKitBodies;
import io.livehook.state.Anomaly;
import io.livehook.state.DeadLetter;
import io.livehook.state.Egress;
import io.livehook.state.Ingress;
import io.livehook.state.Jdbc;
import io.livehook.state.Room;
import io.livehook.state.Rows;
import io.livehook.state.Session;
import io.livehook.state.StateStore;
import io.livehook.state.StoredEvent;
import io.livehook.state.Track;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * A real event log and state store in a directory, with a running processor: append bodies as ingest
 * would, wait until they are applied, read the rows back.
 */
final class ProcessingFixture implements AutoCloseable {
    static final Instant RECEIVED_AT = Instant.parse("2026-02-17T18:00:00Z");

    final Path dir;
    final Path logFile;
    final Path stateFile;
    final int lanes;
    final Clock clock = Clock.fixed(RECEIVED_AT, ZoneOffset.UTC);
    FileEventLog log;
    StateStore store;
    Processor processor;
    SimpleMeterRegistry registry;

    ProcessingFixture(Path dir) {
        this(dir, 4);
    }

    ProcessingFixture(Path dir, int lanes) {
        this.dir = dir;
        this.logFile = dir.resolve(EmbeddedLog.FILE);
        this.stateFile = dir.resolve("state.db");
        this.lanes = lanes;
        this.log = new FileEventLog(logFile);
        openProcessing();
    }

    void openProcessing() {
        store = StateStore.sqlite(stateFile);
        registry = new SimpleMeterRegistry();
        processor = new Processor(log, store, lanes, clock, registry);
        processor.start();
    }

    /**
     * Appends several streams at once, each in its own order (as LiveKit's per-room queues deliver), so
     * that the log's group commit takes many per transaction.
     */
    void appendConcurrently(List<List<LiveKitBodies.Obj>> streams) {
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (List<LiveKitBodies.Obj> stream : streams) {
                done.add(pool.submit(() -> stream.forEach(this::append)));
            }
            for (var future : done) {
                future.get();
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Appends a body the way ingest does: header read from the bytes, the bytes kept as they are. */
    Appended append(byte[] body) {
        try {
            EventHeader header = EventHeader.read(body);
            return log.append(new IncomingEvent(header.eventId(), header.eventType(), header.queueKey(), body,
                    RECEIVED_AT, "APIkey", Origin.LIVEKIT));
        } catch (Exception e) {
            throw new IllegalStateException("cannot append " + new String(body), e);
        }
    }

    /** Appends a correction the way the reconciler does: livehook's own event, no LiveKit key behind it. */
    Appended appendCorrection(LiveKitBodies.Obj body) {
        try {
            EventHeader header = EventHeader.read(body.bytes());
            return log.append(new IncomingEvent(header.eventId(), header.eventType(), header.queueKey(), body.bytes(),
                    RECEIVED_AT, "livehook", Origin.LIVEHOOK));
        } catch (Exception e) {
            throw new IllegalStateException("cannot append " + body.json(), e);
        }
    }

    Appended append(LiveKitBodies.Obj body) {
        return append(body.bytes());
    }

    ProcessingFixture appendAll(LiveKitBodies.Obj... bodies) {
        for (LiveKitBodies.Obj body : bodies) {
            append(body);
        }
        return this;
    }

    ProcessingFixture awaitCaughtUp() {
        try {
            if (!processor.awaitCaughtUp(Duration.ofSeconds(30))) {
                throw new AssertionError("processor did not catch up with the log within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return this;
    }

    /** Stops the processor and the state store, then opens both again on the same files. */
    void restart() {
        closeProcessing();
        openProcessing();
    }

    /** Stops processing, sets the checkpoint back to {@code offset}, starts again: the log is re-read from there. */
    void restartFrom(long offset) {
        closeProcessing();
        try (StateStore rewind = StateStore.sqlite(stateFile)) {
            rewind.inTransaction(tx -> {
                tx.saveCheckpoint(Processor.CONSUMER, 0, offset);
                return null;
            });
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        openProcessing();
    }

    /** The checkpoint as saved in the state file, read while processing is closed. */
    long checkpointOnDisk() {
        try (StateStore closed = StateStore.sqlite(stateFile)) {
            return closed.inTransaction(tx -> tx.checkpoint(Processor.CONSUMER, 0));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    void closeProcessing() {
        processor.close();
        store.close();
    }

    long count(String sql, Object... params) {
        return store.<Long>read(c -> Jdbc.count(c, sql, params));
    }

    long checkpoint() {
        return count("SELECT log_offset FROM checkpoints WHERE consumer = ? AND log_partition = 0", Processor.CONSUMER);
    }

    List<Room> rooms() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.ROOM_COLUMNS + " FROM rooms ORDER BY sid", Rows::room));
    }

    Room room(String sid) {
        return rooms().stream().filter(r -> r.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no room " + sid));
    }

    List<Session> sessions() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.SESSION_COLUMNS + " FROM sessions ORDER BY sid",
                Rows::session));
    }

    Session session(String sid) {
        return sessions().stream().filter(s -> s.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no session " + sid));
    }

    List<Track> tracks() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.TRACK_COLUMNS + " FROM tracks ORDER BY sid", Rows::track));
    }

    Track track(String sid) {
        return tracks().stream().filter(t -> t.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no track " + sid));
    }

    List<Egress> egress() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.EGRESS_COLUMNS + " FROM egress ORDER BY egress_id",
                Rows::egress));
    }

    List<Ingress> ingress() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.INGRESS_COLUMNS + " FROM ingress ORDER BY ingress_id",
                Rows::ingress));
    }

    /** Anomalies in the order they were recorded. */
    List<Anomaly> anomalies() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.ANOMALY_COLUMNS + " FROM anomalies ORDER BY id",
                Rows::anomaly));
    }

    List<StoredEvent> events() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.EVENT_COLUMNS + " FROM events ORDER BY log_offset",
                Rows::event));
    }

    List<DeadLetter> deadLetters() {
        return store.read(c -> Jdbc.list(c, "SELECT " + Rows.DEAD_LETTER_COLUMNS + " FROM dead_letters "
                + "ORDER BY log_offset", Rows::deadLetter));
    }

    Optional<DeadLetter> deadLetter(String eventId) {
        return deadLetters().stream().filter(d -> d.eventId().equals(eventId)).findFirst();
    }

    /** A counter's value in this processor's registry (0 if it was never incremented). */
    double counter(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The sum over all counters of that name matching the tags. */
    double counterSum(String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Override
    public void close() {
        closeProcessing();
        log.close();
    }
}
