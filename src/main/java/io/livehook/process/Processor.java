package io.livehook.process;

import io.livehook.deliver.Outbox;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.retry.Backoff;
import io.livehook.state.Anomaly;
import io.livehook.state.DeadLetter;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import io.livehook.state.StateTx;
import io.livehook.state.StoredEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Turns the event log into state. One reader per log partition hands each event to a lane chosen by
 * its queue key (room name, egress id, ingress id), so one key's events apply in log order while other
 * keys go in parallel. A lane applies what it has in one transaction; each event is recorded as applied
 * in that same transaction, so a crash can neither lose nor double an effect.
 *
 * <p>Two kinds of failure, two answers. An event that cannot be applied because of what it is (a body
 * that does not parse, a rule that throws, data a constraint refuses) is dead-lettered and the lane moves
 * on. A store that fails whatever the event (full disk, I/O error, a database that is down or busy) is
 * waited for: the lane retries with growing pauses for as long as it takes, and dead-letters nothing.
 */
public final class Processor implements AutoCloseable {
    static final String CONSUMER = "process";
    private static final Logger log = LoggerFactory.getLogger(Processor.class);
    private static final int READ_BATCH = 1000;
    private static final int LANE_BATCH = 256;
    private static final int LANE_CAPACITY = 2048;
    private static final Duration IDLE_WAIT = Duration.ofMillis(200);
    /** Pauses between attempts while the state store fails: 200 ms, doubling, at most 5 s. */
    private static final Backoff STORE_RETRY = Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5));

    private final EventLog eventLog;
    private final StateStore store;
    private final Clock clock;
    private final Outbox outbox;
    private final int niceness;
    private final List<Lane> lanes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<InFlightOffsets> progress = new ArrayList<>();
    private final ProcessMetrics metrics;
    private final AtomicLong deadLetterSignal = new AtomicLong();
    private volatile boolean running;

    /** A processor that queues nothing for delivery and runs at the priority it is started with. */
    public Processor(EventLog eventLog, StateStore store, int laneCount, Clock clock, MeterRegistry registry) {
        this(eventLog, store, laneCount, clock, registry, Outbox.NONE, 0);
    }

    /**
     * {@code outbox} gets each newly applied event inside the transaction that applies it. {@code niceness}
     * (0 to 19) is the nice value the processing threads take, so that ingest, which answers LiveKit, gets the
     * CPU first; 0 leaves their priority alone.
     */
    public Processor(EventLog eventLog, StateStore store, int laneCount, Clock clock, MeterRegistry registry,
            Outbox outbox, int niceness) {
        this.eventLog = eventLog;
        this.store = store;
        this.clock = clock;
        this.outbox = outbox;
        this.niceness = niceness;
        for (int i = 0; i < laneCount; i++) {
            lanes.add(new Lane(i));
        }
        for (int p = 0; p < eventLog.partitions(); p++) {
            progress.add(new InFlightOffsets(checkpointWithinLog(p)));
        }
        this.metrics = new ProcessMetrics(registry);
    }

    public void start() {
        running = true;
        for (Lane lane : lanes) {
            threads.add(startThread("process-lane-" + lane.index, lane::run));
        }
        for (int p = 0; p < progress.size(); p++) {
            int partition = p;
            threads.add(startThread("process-reader-" + p, () -> read(partition)));
        }
    }

    private Thread startThread(String name, Runnable work) {
        return Thread.ofPlatform().name(name).start(() -> {
            if (niceness > 0) {
                CpuPriority.lowerCurrentThread(niceness);
            }
            work.run();
        });
    }

    /** The offset up to which every event of the partition is applied or dead-lettered. */
    public long appliedUpTo(int partition) {
        return progress.get(partition).watermark();
    }

    /** Waits until everything the log held when called is applied; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int p = 0; p < progress.size(); p++) {
            long head = eventLog.head(p);
            while (progress.get(p).watermark() < head) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(5);
            }
        }
        return true;
    }

    /** Asks for dead letters to be applied again (after a fix); returns how many were queued. */
    public int retryDeadLetters(List<String> eventIds) throws SQLException {
        int marked = store.inTransaction(tx -> tx.markForRetry(eventIds).size());
        deadLetterSignal.incrementAndGet();
        return marked;
    }

    /**
     * Where processing of the partition goes on from. A checkpoint beyond the log's end means the log is not
     * the one this state was built from (damaged, truncated or replaced): going on would skip its new events
     * up to the old offset without a word, so the processor refuses to start.
     */
    private long checkpointWithinLog(int partition) {
        long checkpoint;
        try {
            checkpoint = store.inTransaction(tx -> tx.checkpoint(CONSUMER, partition));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read processing checkpoint: " + e.getMessage(), e);
        }
        long head = eventLog.head(partition);
        if (checkpoint > head) {
            throw new IllegalStateException("the state has applied the event log up to offset " + checkpoint
                    + " of partition " + partition + ", but the log ends at offset " + head + ": this log is not the "
                    + "one the state was built from (damaged, truncated or replaced), and processing would skip its "
                    + "events up to offset " + checkpoint + ". Rebuild the state from this log with `livehook replay`, "
                    + "or put back the log the state was built from.");
        }
        return checkpoint;
    }

    private void read(int partition) {
        InFlightOffsets partitionProgress = progress.get(partition);
        StoreOutage outage = new StoreOutage(log, "processing reader " + partition);
        long cursor = partitionProgress.watermark();
        long savedWatermark = cursor;
        long seenRetrySignal = -1;
        while (running) {
            try {
                List<LoggedEvent> events = eventLog.read(partition, cursor, READ_BATCH);
                for (LoggedEvent event : events) {
                    if (!running) {
                        return; // what is not dispatched is read again after the restart
                    }
                    partitionProgress.dispatched(event.offset(), event.receivedAt().toEpochMilli());
                    // A lane that stopped takes nothing more: never wait on it for ever.
                    BlockingQueue<Work> queue = laneFor(event).queue;
                    while (!queue.offer(new Work(event, true), 100, TimeUnit.MILLISECONDS)) {
                        if (!running) {
                            return;
                        }
                    }
                    cursor = event.offset();
                }
                long watermark = partitionProgress.watermark();
                if (watermark != savedWatermark) {
                    long saving = watermark;
                    store.inTransaction(tx -> {
                        tx.saveCheckpoint(CONSUMER, partition, saving);
                        return null;
                    });
                    savedWatermark = watermark;
                    outage.over();
                }
                long retrySignal = deadLetterSignal.get();
                if (retrySignal != seenRetrySignal && partition == 0) {
                    seenRetrySignal = retrySignal;
                    requeueDeadLetters();
                }
                if (events.isEmpty()) {
                    eventLog.awaitAfter(partition, cursor, IDLE_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException | RuntimeException e) {
                if (store.isTemporary(e)) {
                    outage.failed(e);
                } else {
                    log.atWarn().setMessage("processing reader for partition {} failed, retrying: {}")
                            .addArgument(partition).addArgument(e.getMessage())
                            .addKeyValue("partition", partition)
                            .log();
                }
                sleepQuietly(Duration.ofSeconds(1));
            }
        }
    }

    private void requeueDeadLetters() throws SQLException, InterruptedException {
        List<DeadLetter> retrying = store.inTransaction(StateTx::deadLettersRetrying);
        for (DeadLetter letter : retrying) {
            List<LoggedEvent> found = eventLog.read(letter.logPartition(), letter.logOffset() - 1, 1);
            if (!found.isEmpty() && found.get(0).eventId().equals(letter.eventId())) {
                laneFor(found.get(0)).queue.put(new Work(found.get(0), false));
            }
        }
    }

    private Lane laneFor(LoggedEvent event) {
        return lanes.get(Math.floorMod(event.queueKey().hashCode(), lanes.size()));
    }

    /** One event to apply; {@code fresh} is false for a dead letter being retried. */
    private record Work(LoggedEvent event, boolean fresh) {}

    private final class Lane {
        final int index;
        final BlockingQueue<Work> queue = new LinkedBlockingQueue<>(LANE_CAPACITY);
        final StoreOutage outage;

        Lane(int index) {
            this.index = index;
            this.outage = new StoreOutage(log, "processing lane " + index);
        }

        void run() {
            List<Work> batch = new ArrayList<>(LANE_BATCH);
            while (running || !queue.isEmpty()) {
                try {
                    Work first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, LANE_BATCH - 1);
                    List<Work> done = applyBatch(batch, outage);
                    for (Work work : done) {
                        if (work.fresh()) {
                            progress.get(work.event().partition()).done(work.event().offset());
                        }
                    }
                    if (done.size() < batch.size()) {
                        // Stopping with work not done: it is read again after the restart, and nothing of its
                        // keys may be applied before it, so this lane takes nothing more.
                        return;
                    }
                    batch.clear();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Applies the batch in one transaction, waiting out a failing store; returns the work that is done
     * (applied, duplicate or dead-lettered): all of it, or less when the processor stops first.
     */
    private List<Work> applyBatch(List<Work> batch, StoreOutage outage) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                List<Outcome> outcomes = store.inTransaction(tx -> {
                    List<Outcome> results = new ArrayList<>(batch.size());
                    for (Work work : batch) {
                        results.add(applyOne(tx, work));
                    }
                    return results;
                });
                outage.over();
                committed(outcomes);
                return batch;
            } catch (SQLException | RuntimeException e) {
                if (!store.isTemporary(e)) {
                    // Past what an event's savepoint can undo: apply them one by one to find the one it is.
                    return applyOneByOne(batch, outage);
                }
                outage.failed(e);
                if (!waitBeforeRetry(attempt)) {
                    return List.of();
                }
            }
        }
    }

    private List<Work> applyOneByOne(List<Work> batch, StoreOutage outage) throws InterruptedException {
        List<Work> done = new ArrayList<>(batch.size());
        for (Work work : batch) {
            if (!applyAlone(work, outage)) {
                break; // stopping: what is not done is read again after the restart
            }
            done.add(work);
        }
        return done;
    }

    /**
     * Applies one event in a transaction of its own, waiting out a failing store; an event that fails it on
     * its own account is dead-lettered. False if the processor stopped first.
     */
    private boolean applyAlone(Work work, StoreOutage outage) throws InterruptedException {
        LoggedEvent event = work.event();
        for (int attempt = 1; running; attempt++) {
            try {
                Outcome outcome = store.inTransaction(tx -> applyOne(tx, work));
                committed(List.of(outcome));
                outage.over();
                return true;
            } catch (SQLException | RuntimeException e) {
                if (store.isTemporary(e)) {
                    outage.failed(e);
                } else {
                    try {
                        String error = StoreOutage.describe(e);
                        store.inTransaction(tx -> {
                            tx.recordDeadLetter(event.eventId(), event.partition(), event.offset(), event.eventType(),
                                    event.queueKey(), error, clock.millis());
                            return null;
                        });
                        committed(List.of(deadLettered(event, error)));
                        return true;
                    } catch (SQLException | RuntimeException deadLetterFailure) {
                        outage.failed(deadLetterFailure);
                    }
                }
            }
            if (!waitBeforeRetry(attempt)) {
                return false;
            }
        }
        return false;
    }

    /** A growing pause before the next attempt at a failing store; false if the processor stops meanwhile. */
    private boolean waitBeforeRetry(int attempt) throws InterruptedException {
        long pauseMs = STORE_RETRY.delay(attempt).toMillis();
        for (long waited = 0; waited < pauseMs && running; waited += 50) {
            Thread.sleep(Math.min(50, pauseMs - waited));
        }
        return running;
    }

    /** After the commit: count the outcomes and wake delivery if anything new was applied. */
    private void committed(List<Outcome> outcomes) {
        outcomes.forEach(this::done);
        if (outcomes.stream().anyMatch(o -> Outcome.APPLIED.equals(o.result()))) {
            outbox.committed();
        }
    }

    private Outcome applyOne(StateTx tx, Work work) throws SQLException {
        LoggedEvent event = work.event();
        Savepoint savepoint = tx.savepoint();
        try {
            EventValidation.check(event);
            LiveKitEvent parsed = LiveKitEvent.parse(event);
            StoredEvent stored = stored(parsed);
            if (!tx.recordEvent(stored)) {
                if (!work.fresh()) {
                    tx.resolveDeadLetter(event.eventId());
                }
                tx.release(savepoint);
                return new Outcome(event, Outcome.DUPLICATE, List.of());
            }
            // Newly applied, so queued for delivery now: in this transaction, never again for a duplicate.
            outbox.enqueue(tx, stored, clock.millis());
            List<Anomaly> anomalies = EventRules.apply(tx, parsed);
            if (!work.fresh()) {
                tx.resolveDeadLetter(event.eventId());
            }
            tx.release(savepoint);
            return new Outcome(event, Outcome.APPLIED, anomalies);
        } catch (SQLException e) {
            if (store.isTemporary(e)) {
                throw e; // the store's failure, not the event's: the whole transaction is tried again
            }
            return deadLetter(tx, savepoint, event, e); // a constraint the event's data violates
        } catch (Exception e) {
            return deadLetter(tx, savepoint, event, e);
        }
    }

    /** Undoes what the event did so far and dead-letters it, in the same transaction. */
    private Outcome deadLetter(StateTx tx, Savepoint savepoint, LoggedEvent event, Exception cause)
            throws SQLException {
        tx.rollbackTo(savepoint);
        String error = StoreOutage.describe(cause);
        tx.recordDeadLetter(event.eventId(), event.partition(), event.offset(), event.eventType(), event.queueKey(),
                error, clock.millis());
        return deadLettered(event, error);
    }

    private Outcome deadLettered(LoggedEvent event, String error) {
        withEvent(log.atWarn(), event, Outcome.DEAD_LETTERED)
                .setMessage("event {} ({}) dead-lettered: {}")
                .addArgument(event.eventId()).addArgument(event.eventType()).addArgument(error)
                .log();
        return new Outcome(event, Outcome.DEAD_LETTERED, List.of());
    }

    /** After the commit: count the outcome, and log it at debug level. */
    private void done(Outcome outcome) {
        metrics.record(outcome);
        if (log.isDebugEnabled()) {
            LoggingEventBuilder line = withEvent(log.atDebug(), outcome.event(), outcome.result());
            if (!outcome.anomalies().isEmpty()) {
                line = line.addKeyValue("anomalies",
                        String.join(",", outcome.anomalies().stream().map(Anomaly::kind).toList()));
            }
            line.setMessage("event {} ({}) {}").addArgument(outcome.event().eventId())
                    .addArgument(outcome.event().eventType()).addArgument(outcome.result())
                    .log();
        }
    }

    /** The fields every log line about one event carries, for JSON logs. */
    private static LoggingEventBuilder withEvent(LoggingEventBuilder line, LoggedEvent event, String outcome) {
        return line.addKeyValue("event_id", event.eventId())
                .addKeyValue("event_type", event.eventType())
                .addKeyValue("queue_key", event.queueKey())
                .addKeyValue("partition", event.partition())
                .addKeyValue("offset", event.offset())
                .addKeyValue("outcome", outcome);
    }

    private static StoredEvent stored(LiveKitEvent e) {
        var event = e.event();
        LoggedEvent logged = e.logged();
        return new StoredEvent(logged.eventId(), logged.partition(), logged.offset(), logged.eventType(),
                EventRules.KNOWN_TYPES.contains(logged.eventType()), logged.queueKey(), emptyToNull(e.roomSid()),
                emptyToNull(e.roomName()), emptyToNull(event.getParticipant().getSid()),
                emptyToNull(event.getParticipant().getIdentity()), emptyToNull(event.getTrack().getSid()),
                emptyToNull(event.getEgressInfo().getEgressId()), emptyToNull(event.getIngressInfo().getIngressId()),
                event.getCreatedAt() > 0 ? event.getCreatedAt() * 1000 : null, logged.receivedAt().toEpochMilli(),
                logged.origin().label(), logged.keyId(), logged.body());
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What applying one event did, for metrics after the commit. */
    record Outcome(LoggedEvent event, String result, List<Anomaly> anomalies) {
        static final String APPLIED = "applied";
        static final String DUPLICATE = "duplicate";
        static final String DEAD_LETTERED = "dead_lettered";
    }

    private final class ProcessMetrics {
        private final MeterRegistry registry;
        private final Timer delay;

        ProcessMetrics(MeterRegistry registry) {
            this.registry = registry;
            this.delay = Timer.builder("livehook.process.delay")
                    .description("Time from an event's ACK to its state being committed")
                    .publishPercentileHistogram()
                    .register(registry);
            // Every anomaly kind exists from the start, at 0, so increase() sees the first one too.
            for (AnomalyKind kind : AnomalyKind.values()) {
                anomalies(kind.label());
            }
            StateQueries queries = new StateQueries(store, clock);
            Gauge.builder("livehook.process.dead.letters", () -> countOrNaN(queries::unresolvedDeadLetters))
                    .description("Events that could not be applied and are not resolved yet")
                    .register(registry);
            Gauge.builder("livehook.rooms.active", () -> countOrNaN(queries::activeRoomCount))
                    .description("Rooms livehook believes are active")
                    .register(registry);
            for (int p = 0; p < progress.size(); p++) {
                int partition = p;
                Gauge.builder("livehook.log.head", () -> eventLog.head(partition))
                        .description("Offset of the newest event in the log partition")
                        .tag("partition", Integer.toString(partition))
                        .register(registry);
                Gauge.builder("livehook.process.lag.events", () -> eventLog.head(partition) - appliedUpTo(partition))
                        .description("Events in the log not yet applied to state")
                        .tag("partition", Integer.toString(partition))
                        .register(registry);
                Gauge.builder("livehook.process.lag.seconds", () -> {
                            long oldest = progress.get(partition).oldestReceivedAtMs();
                            return oldest < 0 ? 0 : Math.max(0, clock.millis() - oldest) / 1000.0;
                        })
                        .description("Age of the oldest event waiting to be applied")
                        .tag("partition", Integer.toString(partition))
                        .register(registry);
            }
        }

        private double countOrNaN(java.util.function.LongSupplier count) {
            try {
                return count.getAsLong();
            } catch (RuntimeException e) {
                return Double.NaN; // a scrape must not fail because the store is busy or down
            }
        }

        private Counter anomalies(String kind) {
            return Counter.builder("livehook.process.anomalies")
                    .description("Inferences made to fill gaps or reorderings in the stream, by kind")
                    .tag("kind", kind)
                    .register(registry);
        }

        void record(Outcome outcome) {
            String type = EventRules.KNOWN_TYPES.contains(outcome.event().eventType()) ? outcome.event().eventType()
                    : "unknown";
            Counter.builder("livehook.process.events")
                    .description("Events processed, by outcome and event type")
                    .tag("outcome", outcome.result())
                    .tag("type", type)
                    .register(registry)
                    .increment();
            for (Anomaly anomaly : outcome.anomalies()) {
                anomalies(anomaly.kind()).increment();
            }
            if (Outcome.APPLIED.equals(outcome.result())) {
                delay.record(Math.max(0, clock.millis() - outcome.event().receivedAt().toEpochMilli()),
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (int p = 0; p < progress.size(); p++) {
            long watermark = progress.get(p).watermark();
            int partition = p;
            try {
                store.inTransaction(tx -> {
                    tx.saveCheckpoint(CONSUMER, partition, watermark);
                    return null;
                });
            } catch (SQLException e) {
                log.warn("could not save the processing checkpoint on close: {}", e.getMessage());
            }
        }
    }
}
