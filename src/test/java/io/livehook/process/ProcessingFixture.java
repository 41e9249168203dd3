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
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateBackend;
import io.livehook.state.StateLocation;
import io.livehook.state.StateSql;
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
 * A real event log in a directory and a real state store on one of the databases, with a running processor:
 * append bodies as ingest would, wait until they are applied, read the rows back.
 */
final class ProcessingFixture implements AutoCloseable {
    static final Instant RECEIVED_AT = Instant.parse("2026-02-17T18:00:00Z");

    final Path dir;
    final Path logFile;
    final StateLocation state;
    final int lanes;
    final Clock clock = Clock.fixed(RECEIVED_AT, ZoneOffset.UTC);
    FileEventLog log;
    StateStore store;
    Processor processor;
    SimpleMeterRegistry registry;

    ProcessingFixture(Path dir, StateBackend backend) {
        this(dir, backend, 4);
    }

    ProcessingFixture(Path dir, StateBackend backend, int lanes) {
        this(dir, backend.freshLocation(dir), lanes);
    }

    /** The log in {@code dir}, the state at {@code state}. */
    ProcessingFixture(Path dir, StateLocation state, int lanes) {
        this.dir = dir;
        this.logFile = dir.resolve(EmbeddedLog.FILE);
        this.state = state;
        this.lanes = lanes;
        this.log = new FileEventLog(logFile);
        openProcessing();
    }

    void openProcessing() {
        store = StateStore.open(state);
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
        try (StateStore rewind = StateStore.open(state)) {
            rewind.inTransaction(tx -> {
                tx.saveCheckpoint(Processor.CONSUMER, 0, offset);
                return null;
            });
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        openProcessing();
    }

    /** The checkpoint as saved in the state store, read while processing is closed. */
    long checkpointOnDisk() {
        try (StateStore closed = StateStore.open(state)) {
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
        return StateSql.count(store, sql, params);
    }

    long checkpoint() {
        return count("SELECT log_offset FROM checkpoints WHERE consumer = ? AND log_partition = 0", Processor.CONSUMER);
    }

    List<Room> rooms() {
        return StateSql.rooms(store);
    }

    Room room(String sid) {
        return rooms().stream().filter(r -> r.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no room " + sid));
    }

    List<Session> sessions() {
        return StateSql.sessions(store);
    }

    Session session(String sid) {
        return sessions().stream().filter(s -> s.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no session " + sid));
    }

    List<Track> tracks() {
        return StateSql.tracks(store);
    }

    Track track(String sid) {
        return tracks().stream().filter(t -> t.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no track " + sid));
    }

    List<Egress> egress() {
        return StateSql.egress(store);
    }

    List<Ingress> ingress() {
        return StateSql.ingress(store);
    }

    /** Anomalies in the order they were recorded. */
    List<Anomaly> anomalies() {
        return StateSql.anomalies(store);
    }

    List<StoredEvent> events() {
        return StateSql.events(store);
    }

    List<DeadLetter> deadLetters() {
        return StateSql.deadLetters(store);
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
