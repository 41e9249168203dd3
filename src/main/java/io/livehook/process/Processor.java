package io.livehook.process;

import io.livehook.cluster.Leases;
import io.livehook.deliver.Outbox;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.retry.BackgroundLoop;
import io.livehook.state.Anomaly;
import io.livehook.state.DeadLetter;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import io.livehook.state.StateTx;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
 *
 * <p>Several processes can process one Kafka log into one PostgreSQL state: each partition is applied by the
 * process that holds its lease ({@link Leases}), read from the checkpoint on when it takes the partition, and
 * every transaction for the partition (a lane's batch, a checkpoint) first checks that the lease's epoch is
 * unchanged, so a process that lost a partition never commits for it. A key is always in one partition, so one
 * room's events are only ever applied by one process at a time, in log order.
 */
public final class Processor implements AutoCloseable {
    static final String CONSUMER = "process";
    private static final Logger log = LoggerFactory.getLogger(Processor.class);
    private static final int READ_BATCH = 4096;
    private static final int LANE_BATCH = 1024;
    private static final int LANE_CAPACITY = 4096;
    private static final Duration IDLE_WAIT = Duration.ofMillis(200);
    /** How long a lane lets a batch of fewer than {@link #GATHERED} events wait for more. */
    private static final Duration LINGER = Duration.ofMillis(10);
    private static final int GATHERED = 128;
    /**
     * How often a reader saves how far everything is applied: a transaction of its own, which on SQLite takes
     * the one writer's turn. A restart goes on from the last one saved and finds what came after it applied.
     */
    private static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(1);
    /** How often a reader looks for dead letters of its partition marked for retry by any process. */
    private static final Duration RETRIES_EVERY = Duration.ofSeconds(5);
    /** Within this a partition held elsewhere is reported applied up to its stored checkpoint. */
    private static final long CHECKPOINTS_FRESH_NS = 1_000_000_000L;

    private final EventLog eventLog;
    private final StateStore store;
    private final Clock clock;
    private final Outbox outbox;
    private final int niceness;
    private final List<Lane> lanes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReferenceArray<InFlightOffsets> progress;
    private final Leases leases;
    private final BatchApplier applier;
    private final ProcessMetrics metrics;
    private final AtomicLong deadLetterSignal = new AtomicLong();
    private volatile Map<Integer, Long> storedCheckpoints = Map.of();
    private volatile long storedCheckpointsAtNs;
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
        this(eventLog, store, laneCount, clock, registry, outbox, niceness, "local");
    }

    /**
     * As above; {@code member} names this process among those sharing the state, unique to it: it holds the
     * leases on the partitions it applies.
     */
    public Processor(EventLog eventLog, StateStore store, int laneCount, Clock clock, MeterRegistry registry,
            Outbox outbox, int niceness, String member) {
        this.eventLog = eventLog;
        this.store = store;
        this.clock = clock;
        this.outbox = outbox;
        this.niceness = niceness;
        for (int i = 0; i < laneCount; i++) {
            lanes.add(new Lane(i));
        }
        this.progress = new AtomicReferenceArray<>(eventLog.partitions());
        for (int p = 0; p < eventLog.partitions(); p++) {
            progress.set(p, new InFlightOffsets(checkpointWithinLog(p)));
        }
        this.leases = new Leases(store, CONSUMER, eventLog.partitions(), member, clock);
        this.applier = new BatchApplier(store, outbox, clock, () -> running, leases);
        this.metrics = new ProcessMetrics(registry, clock, eventLog, new StateQueries(store, clock), this::appliedUpTo,
                partition -> leases.epoch(partition) < 0 ? -1 : progress.get(partition).oldestReceivedAtMs());
    }

    public void start() {
        running = true;
        leases.start();
        for (Lane lane : lanes) {
            threads.add(startThread("process-lane-" + lane.index, lane::run));
        }
        for (int p = 0; p < progress.length(); p++) {
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

    /**
     * The offset up to which every event of the partition is applied or dead-lettered: as this process applies
     * it where it holds the partition, as last checkpointed by its holder where another process does.
     */
    public long appliedUpTo(int partition) {
        if (leases.epoch(partition) >= 0) {
            return progress.get(partition).watermark();
        }
        if (System.nanoTime() - storedCheckpointsAtNs > CHECKPOINTS_FRESH_NS) {
            try {
                storedCheckpoints = store.inTransaction(tx -> tx.checkpoints(CONSUMER));
                storedCheckpointsAtNs = System.nanoTime();
            } catch (SQLException | RuntimeException e) {
                log.debug("cannot read the stored checkpoints: {}", e.getMessage());
            }
        }
        return Math.max(progress.get(partition).watermark(), storedCheckpoints.getOrDefault(partition, 0L));
    }

    /** Which log partitions this process applies now. */
    public List<Integer> ownedPartitions() {
        List<Integer> owned = new ArrayList<>();
        for (int p = 0; p < progress.length(); p++) {
            if (leases.epoch(p) >= 0) {
                owned.add(p);
            }
        }
        return owned;
    }

    /** Waits until everything the log held when called is applied; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int p = 0; p < progress.length(); p++) {
            long head = eventLog.head(p);
            while (appliedUpTo(p) < head) {
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
        StoreOutage outage = new StoreOutage(log, "processing reader " + partition);
        long epoch = -1;
        InFlightOffsets partitionProgress = null;
        long cursor = 0;
        long savedWatermark = 0;
        long savedAtNs = 0;
        long seenRetrySignal = -1;
        long retriesAtNs = System.nanoTime();
        while (running) {
            try {
                long holding = leases.epoch(partition);
                if (holding != epoch) {
                    epoch = holding;
                    partitionProgress = null;
                    if (epoch >= 0) {
                        // Taken (again): go on from what its last holder checkpointed; what that one applied
                        // after it is found applied by event id.
                        long checkpoint = store.inTransaction(tx -> tx.checkpoint(CONSUMER, partition));
                        partitionProgress = new InFlightOffsets(checkpoint);
                        progress.set(partition, partitionProgress);
                        cursor = checkpoint;
                        savedWatermark = checkpoint;
                        savedAtNs = System.nanoTime() - CHECKPOINT_EVERY.toNanos();
                    }
                }
                if (epoch < 0) {
                    Thread.sleep(IDLE_WAIT);
                    continue;
                }
                List<LoggedEvent> events = eventLog.read(partition, cursor, READ_BATCH);
                for (LoggedEvent event : events) {
                    if (!running) {
                        return; // what is not dispatched is read again after the restart
                    }
                    if (!leases.holds(partition, epoch)) {
                        break;
                    }
                    partitionProgress.dispatched(event.offset(), event.receivedAt().toEpochMilli());
                    // A lane that stopped takes nothing more: never wait on it for ever.
                    BlockingQueue<Work> queue = laneFor(event).queue;
                    while (!queue.offer(new Work(event, epoch, partitionProgress), 100, TimeUnit.MILLISECONDS)) {
                        if (!running) {
                            return;
                        }
                    }
                    cursor = event.offset();
                }
                long watermark = partitionProgress.watermark();
                if (watermark != savedWatermark && System.nanoTime() - savedAtNs >= CHECKPOINT_EVERY.toNanos()) {
                    saveCheckpoint(partition, epoch, watermark);
                    savedWatermark = watermark;
                    savedAtNs = System.nanoTime();
                    outage.over();
                }
                long retrySignal = deadLetterSignal.get();
                if (retrySignal != seenRetrySignal || System.nanoTime() - retriesAtNs >= RETRIES_EVERY.toNanos()) {
                    seenRetrySignal = retrySignal;
                    retriesAtNs = System.nanoTime();
                    requeueDeadLetters(partition, epoch);
                }
                if (events.isEmpty()) {
                    eventLog.awaitAfter(partition, cursor, IDLE_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Fenced fenced) {
                leases.lost(fenced.partition, fenced.epoch);
            } catch (SQLException | RuntimeException e) {
                if (store.isTemporary(e)) {
                    outage.failed(e);
                } else {
                    log.atWarn().setMessage("processing reader for partition {} failed, retrying: {}")
                            .addArgument(partition).addArgument(e.getMessage())
                            .addKeyValue("partition", partition)
                            .log();
                }
                BackgroundLoop.pauseAfterFailure(Duration.ofSeconds(1));
            }
        }
    }

    /** Saves how far the partition is applied, if it is still held under {@code epoch}; throws Fenced if not. */
    private void saveCheckpoint(int partition, long epoch, long watermark) throws SQLException {
        store.inTransaction(tx -> {
            if (!leases.fence(tx, partition, epoch)) {
                throw new Fenced(partition, epoch);
            }
            tx.saveCheckpoint(CONSUMER, partition, watermark);
            return null;
        });
    }

    /** Dead letters of the partition marked for retry (by any process, through its API) go to the lanes again. */
    private void requeueDeadLetters(int partition, long epoch) throws SQLException, InterruptedException {
        List<DeadLetter> retrying = store.inTransaction(StateTx::deadLettersRetrying);
        for (DeadLetter letter : retrying) {
            if (letter.logPartition() != partition) {
                continue;
            }
            var found = eventLog.read(letter.logPartition(), letter.logOffset(), letter.eventId());
            if (found.isPresent()) {
                laneFor(found.get()).queue.put(new Work(found.get(), epoch, null));
            }
        }
    }

    private Lane laneFor(LoggedEvent event) {
        return lanes.get(Math.floorMod(event.queueKey().hashCode(), lanes.size()));
    }

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
                    gather(batch);
                    List<Outcome> done = applyHeld(batch);
                    committed(done);
                    for (int i = 0; i < done.size(); i++) {
                        Work work = batch.get(i);
                        if (work.fresh()) {
                            work.progress().done(work.event().offset());
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

        /**
         * Applies the work of partitions this process still holds; work of a partition it lost is dropped, here
         * and when a transaction's fence finds it taken over, for its new holder reads it again.
         */
        private List<Outcome> applyHeld(List<Work> batch) throws InterruptedException {
            while (true) {
                batch.removeIf(work -> !leases.holds(work.event().partition(), work.epoch()));
                if (batch.isEmpty()) {
                    return List.of();
                }
                try {
                    return applier.apply(batch, outage);
                } catch (Fenced fenced) {
                    leases.lost(fenced.partition, fenced.epoch);
                }
            }
        }

        /**
         * Lets a small batch wait a little for more events, up to {@link #LINGER}: a transaction costs about the
         * same for one event as for dozens (its reads ahead, the pages its commit writes), so at a steady few
         * thousand events a second, waiting a few milliseconds takes several times less CPU than committing
         * each event on its own.
         */
        private void gather(List<Work> batch) throws InterruptedException {
            long until = System.nanoTime() + LINGER.toNanos();
            for (long left = LINGER.toNanos(); left > 0 && batch.size() < GATHERED && running;
                    left = until - System.nanoTime()) {
                Work next = queue.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) {
                    return;
                }
                batch.add(next);
                queue.drainTo(batch, LANE_BATCH - batch.size());
            }
        }
    }

    /** After the commit: count and log the outcomes, and wake delivery if anything new was applied. */
    private void committed(List<Outcome> outcomes) {
        boolean applied = false;
        for (Outcome outcome : outcomes) {
            metrics.record(outcome);
            applied |= Outcome.APPLIED.equals(outcome.result());
            log(outcome);
        }
        if (applied) {
            outbox.committed();
        }
    }

    private static void log(Outcome outcome) {
        LoggedEvent event = outcome.event();
        if (Outcome.DEAD_LETTERED.equals(outcome.result())) {
            withEvent(log.atWarn(), event, outcome.result())
                    .setMessage("event {} ({}) dead-lettered: {}")
                    .addArgument(event.eventId()).addArgument(event.eventType()).addArgument(outcome.error())
                    .log();
        } else if (log.isDebugEnabled()) {
            LoggingEventBuilder line = withEvent(log.atDebug(), event, outcome.result());
            if (!outcome.anomalies().isEmpty()) {
                line = line.addKeyValue("anomalies",
                        String.join(",", outcome.anomalies().stream().map(Anomaly::kind).toList()));
            }
            line.setMessage("event {} ({}) {}").addArgument(event.eventId())
                    .addArgument(event.eventType()).addArgument(outcome.result())
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
        for (int p = 0; p < progress.length(); p++) {
            long epoch = leases.epoch(p);
            if (epoch < 0) {
                continue;
            }
            try {
                saveCheckpoint(p, epoch, progress.get(p).watermark());
            } catch (Fenced fenced) {
                leases.lost(fenced.partition, fenced.epoch);
            } catch (SQLException | RuntimeException e) {
                log.warn("could not save the processing checkpoint on close: {}", e.getMessage());
            }
        }
        // Checkpoints first: the next holder goes on from them.
        leases.close();
    }
}
