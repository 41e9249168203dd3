package io.livehook.deliver;

import io.livehook.config.DestinationConfig;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.retry.Backoff;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.state.DeliveryStore;
import io.livehook.state.DeliveryStore.Claim;
import io.livehook.state.DeliveryStore.Settled;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one destination's deliveries. With {@code ordering: room} each queue key (room) is a queue: only its
 * first pending delivery may go, and the next waits until that one is delivered or dead, retries included.
 * With {@code ordering: none} every pending delivery may go. At most {@code concurrency} requests are out at
 * once, each on a virtual thread. The dispatcher is woken when deliveries commit or an attempt is recorded,
 * and polls as a safety net.
 *
 * <p>The bookkeeping is batched, because a transaction per attempt (and two per request) bounded delivery to
 * what the database commits per second: the dispatcher claims every delivery it starts in one pass in one
 * transaction, and a recorder thread writes the answers that arrived within a few milliseconds of each
 * other in one transaction. A request stays counted in flight (its room held) until its answer is committed,
 * so a room's next delivery never goes out before the previous one is settled.
 *
 * <p>Finding every queue's head reads the whole pending backlog, so it is done when something new may
 * be due (new deliveries, an operator's retry, a backoff ending, the poll) or when more rooms are due
 * than there are free slots. Otherwise only the heads of the rooms whose delivery was just settled are read,
 * in one query: a backlog of many events in few rooms drains without rescanning it after every request.
 */
final class DestinationSender {
    private static final Logger log = LoggerFactory.getLogger(DestinationSender.class);
    static final Duration POLL = Duration.ofSeconds(1);
    private static final String USER_AGENT = "livehook/0.1";
    private static final Backoff RECORD_RETRY = Backoff.doubling(Duration.ofMillis(100), Duration.ofSeconds(5));
    /** How long the recorder waits after a first answer for others to share its transaction. */
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final int MAX_BATCH = 1024;
    /**
     * How many due deliveries a full scan reads beyond the free slots. The scan reads the whole pending backlog
     * whatever its limit, so those it could not start yet are kept in {@link #ready} and started as slots free,
     * rather than scanning again for every free slot.
     */
    private static final int READ_AHEAD = 1024;

    private final DestinationConfig config;
    private final boolean roomOrder;
    private final DeliveryStore store;
    private final EventLog eventLog;
    private final RequestSigner signer;
    private final WebhookPost post;
    private final Circuit circuit;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final RandomGenerator random = RandomGenerator.getDefault();
    /** By room (ordering: room) or by delivery (ordering: none): requests out or answers not yet recorded. */
    private final Map<Object, Thread> inFlight = new ConcurrentHashMap<>();
    private final BlockingQueue<Boolean> wake = new ArrayBlockingQueue<>(1);
    private final Queue<String> finishedRooms = new ConcurrentLinkedQueue<>();
    /** Due deliveries a scan read that had no free slot yet (the dispatcher's own); stale ones fail their claim. */
    private final List<Delivery> ready = new ArrayList<>();
    /** Rooms whose head waits out a backoff, and when it ends (the dispatcher's own). */
    private final Map<String, Long> backingOff = new HashMap<>();
    private final BlockingQueue<Settled> answered = new LinkedBlockingQueue<>();
    private volatile boolean scanRequested = true;
    private long nextScanAtMs;
    private boolean moreDueThanFetched;
    private volatile boolean running;
    private Thread dispatcher;
    private Thread recorder;
    private final BooleanSupplier mayStart;

    /** Starts new attempts only while {@code mayStart} says so (this livehook is the cluster's deliverer). */
    DestinationSender(DestinationConfig config, DeliveryStore store, EventLog eventLog, Clock clock,
            io.micrometer.core.instrument.MeterRegistry registry, BooleanSupplier mayStart) {
        this.config = config;
        this.mayStart = mayStart;
        this.roomOrder = config.ordering() == DestinationConfig.Ordering.ROOM;
        this.store = store;
        this.eventLog = eventLog;
        this.signer = RequestSigner.of(config.signing(), clock);
        this.post = new WebhookPost(config.url(), config.timeout(), config.name());
        this.clock = clock;
        DeliveryMetrics[] meters = new DeliveryMetrics[1];
        this.circuit = new Circuit(config.circuit(), clock, () -> {
            meters[0].circuitOpened();
            log.warn("destination {}: circuit opened after repeated failures; sending again in {} s",
                    config.name(), config.circuit().open().toSeconds());
        });
        this.metrics = new DeliveryMetrics(registry, config.name(), store, circuit::state, clock);
        meters[0] = metrics;
    }

    String name() {
        return config.name();
    }

    DestinationConfig config() {
        return config;
    }

    /** Requests out to the destination now (and answers being recorded). */
    int inFlight() {
        return inFlight.size();
    }

    Circuit circuit() {
        return circuit;
    }

    void start() {
        running = true;
        // Platform threads: processing wakes the dispatcher at a lower CPU priority, and waking a virtual thread can
        // make the waker start a carrier thread, which would inherit that priority and run ingest's requests with it.
        dispatcher = Thread.ofPlatform().name("deliver-" + config.name()).daemon().start(this::dispatch);
        recorder = Thread.ofPlatform().name("deliver-" + config.name() + "-record").daemon().start(this::recordAnswers);
    }

    /** Something new may be due (deliveries committed, an operator's retry or replay): look at every queue. */
    void wake() {
        scanRequested = true;
        wake.offer(Boolean.TRUE);
    }

    private Object key(Delivery d) {
        return roomOrder ? d.queueKey() : new DeliveryKey(d.eventId(), d.replay());
    }

    private record DeliveryKey(String eventId, int replay) {}

    private void dispatch() {
        while (running) {
            long waitMs;
            try {
                waitMs = dispatchDue();
            } catch (RuntimeException e) {
                log.warn("destination {}: reading the outbox failed, retrying: {}", config.name(), e.getMessage());
                waitMs = POLL.toMillis();
            }
            try {
                wake.poll(Math.max(1, waitMs), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Starts what is due; returns how long to sleep if nothing wakes the dispatcher sooner. */
    private long dispatchDue() {
        if (!mayStart.getAsBoolean()) {
            scanRequested = true; // whatever was read before is another deliverer's now
            return POLL.toMillis();
        }
        long probeIn = circuit.msUntilProbe();
        if (probeIn > 0) {
            return Math.min(probeIn, POLL.toMillis());
        }
        int busy = inFlight.size();
        int free = config.concurrency() - busy;
        long now = clock.millis();
        if (free <= 0) {
            return POLL.toMillis(); // every slot busy: the end of an attempt wakes us
        }
        List<Delivery> candidates = new ArrayList<>();
        // The poll's scan waits while deliveries read ahead are still to start: on a large backlog a scan costs more
        // than the work between two polls. Rooms whose head waits out a backoff are looked up again when it ends.
        boolean fullScan = scanRequested || (ready.isEmpty() && (now >= nextScanAtMs || moreDueThanFetched));
        if (fullScan) {
            scanRequested = false;
            finishedRooms.clear();
            ready.clear();
            backingOff.clear();
            int limit = free + busy + READ_AHEAD;
            candidates = roomOrder ? store.heads(config.name(), limit) : store.pending(config.name(), limit);
            // From the scan's end: a scan slower than the poll must not make every pass a scan.
            nextScanAtMs = clock.millis() + POLL.toMillis();
            moreDueThanFetched = candidates.size() == limit && candidates.get(limit - 1).nextAttemptMs() <= now;
        } else {
            if (roomOrder) {
                Set<String> rooms = new LinkedHashSet<>();
                for (String room; (room = finishedRooms.poll()) != null; ) {
                    rooms.add(room);
                }
                for (var it = backingOff.entrySet().iterator(); it.hasNext(); ) {
                    var room = it.next();
                    if (room.getValue() <= now) {
                        rooms.add(room.getKey());
                        it.remove();
                    }
                }
                candidates.addAll(store.heads(config.name(), rooms));
            }
            candidates.addAll(ready);
            ready.clear();
            candidates.sort(DeliveryStore.SOONEST);
        }
        long nextWakeMs = nextScanAtMs;
        for (long dueMs : backingOff.values()) {
            nextWakeMs = Math.min(nextWakeMs, dueMs);
        }
        List<Delivery> chosen = new ArrayList<>();
        Set<Object> keys = new HashSet<>();
        boolean circuitClosed = true;
        for (Delivery d : candidates) {
            if (!running) {
                break;
            }
            if (d.nextAttemptMs() > now) {
                if (roomOrder) {
                    backingOff.put(d.queueKey(), d.nextAttemptMs());
                }
                nextWakeMs = Math.min(nextWakeMs, d.nextAttemptMs()); // its backoff ends: look again then
                continue;
            }
            Object key = key(d);
            if (inFlight.containsKey(key) || !keys.add(key)) {
                continue; // its settling brings the room's next head
            }
            if (free == 0 || !circuitClosed || !(circuitClosed = circuit.tryAcquire())) {
                // No slot, or the circuit is open or half-open with its probe out: kept for when one frees.
                ready.add(d);
                continue;
            }
            free--;
            chosen.add(d);
        }
        List<Claim> claims;
        try {
            claims = store.claim(chosen, now);
        } catch (SQLException e) {
            chosen.forEach(d -> circuit.release());
            log.warn("destination {}: claiming deliveries failed, retrying: {}", config.name(), e.getMessage());
            scanRequested = true;
            return RECORD_RETRY.delay(1).toMillis();
        }
        if (claims.size() < chosen.size()) {
            // Read before they changed: the next pass sees them as they are now.
            for (int i = claims.size(); i < chosen.size(); i++) {
                circuit.release();
            }
            scanRequested = true;
        }
        for (Claim claim : claims) {
            Thread thread = Thread.ofVirtual().name("deliver-" + config.name() + "-attempt")
                    .unstarted(() -> attempt(claim));
            inFlight.put(key(claim.delivery()), thread);
            thread.start();
        }
        if (!roomOrder) {
            nextScanAtMs = Math.min(nextScanAtMs, nextWakeMs);
        }
        return scanRequested ? 1 : Math.max(1, nextWakeMs - now);
    }

    private void attempt(Claim claim) {
        Delivery d = claim.delivery();
        try {
            // The log keeps every body; the state keeps where each is.
            Optional<LoggedEvent> event = eventLog.read(d.logPartition(), d.logOffset(), d.eventId());
            long startedMs = clock.millis();
            WebhookPost.Reply answer = event.isPresent()
                    ? post.send(event.get().body(), signer.headers(d.eventId(), event.get().body()),
                            event.get().origin().label(), claim.attempt(), d.replay(), USER_AGENT)
                    : new WebhookPost.Reply(WebhookPost.Kind.REJECTED, null,
                            "the event's body is missing from the event log", null, 0, Optional.empty());
            answered.add(settle(claim, startedMs, answer));
        } catch (InterruptedException e) {
            // Stopping: the attempt stays in_flight in the store and reads as unknown after the restart.
            circuit.release();
            release(d);
        } catch (RuntimeException e) {
            circuit.release();
            log.warn("destination {}: attempt for event {} failed before its answer: {}", config.name(), d.eventId(),
                    e.getMessage());
            release(d);
        }
    }

    private void release(Delivery d) {
        inFlight.remove(key(d));
        if (roomOrder) {
            finishedRooms.add(d.queueKey());
        }
        wake.offer(Boolean.TRUE);
    }

    private Settled settle(Claim claim, long startedMs, WebhookPost.Reply answer) {
        Delivery d = claim.delivery();
        long now = clock.millis();
        String status;
        String outcome;
        long next = d.nextAttemptMs();
        String error = answer.error();
        switch (answer.kind()) {
            case SUCCESS -> {
                circuit.onSuccess();
                status = Delivery.DELIVERED;
                outcome = DeliveryAttempt.DELIVERED;
            }
            case REJECTED -> {
                circuit.onSuccess(); // the receiver is up and answering; waiting would not change its answer
                status = Delivery.DEAD;
                outcome = DeliveryAttempt.DEAD;
            }
            default -> {
                circuit.onFailure();
                int round = d.roundAttempts() + 1;
                var retry = config.retry();
                String gaveUp = retry.maxAttempts() > 0 && round >= retry.maxAttempts()
                        ? "gave up after " + round + " attempts (max_attempts)"
                        : !retry.maxAge().isZero() && now - d.queuedMs() >= retry.maxAge().toMillis()
                                ? "gave up: queued longer than max_age_seconds " + retry.maxAge().toSeconds()
                                : null;
                if (gaveUp != null) {
                    status = Delivery.DEAD;
                    outcome = DeliveryAttempt.DEAD;
                    error = error == null ? gaveUp : error + "; " + gaveUp;
                } else {
                    status = Delivery.PENDING;
                    outcome = switch (answer.kind()) {
                        case TIMEOUT -> DeliveryAttempt.TIMEOUT;
                        case CONNECTION_ERROR -> DeliveryAttempt.CONNECTION_ERROR;
                        default -> DeliveryAttempt.RETRY;
                    };
                    next = now + retry.backoff().delay(round, answer.retryAfter(), random).toMillis();
                }
            }
        }
        return new Settled(claim, new DeliveryAttempt(claim.attempt(), startedMs, answer.latencyMs(), answer.status(),
                error, answer.snippet(), outcome), status, next);
    }

    /**
     * The recorder: takes the answers that arrive within {@link #GATHER_NANOS} of the first and writes them in
     * one transaction, then frees their slots. Runs until stopped and nothing is left in flight.
     */
    private void recordAnswers() {
        List<Settled> batch = new ArrayList<>();
        while (running || !inFlight.isEmpty() || !answered.isEmpty()) {
            try {
                Settled first = answered.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + GATHER_NANOS;
                for (long left; batch.size() < MAX_BATCH && (left = deadline - System.nanoTime()) > 0; ) {
                    Settled next = answered.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                    answered.drainTo(batch, MAX_BATCH - batch.size());
                }
                record(batch);
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                log.warn("destination {}: {} attempts could not be recorded; they will be sent again: {}",
                        config.name(), batch.size(), e.getMessage());
            } finally {
                batch.forEach(s -> release(s.claim().delivery()));
                batch.clear();
            }
        }
    }

    /** Writes the answers, retrying while the store is busy: losing them would mean sending again. */
    private void record(List<Settled> batch) throws InterruptedException, SQLException {
        for (int tries = 1; ; tries++) {
            try {
                store.settle(batch, clock.millis());
                break;
            } catch (SQLException e) {
                if (!running || tries >= 10) {
                    throw e;
                }
                Thread.sleep(RECORD_RETRY.delay(tries));
            }
        }
        for (Settled s : batch) {
            Delivery d = s.claim().delivery();
            DeliveryAttempt a = s.attempt();
            metrics.attempt(a.outcome(), a.latencyMs());
            if (Delivery.DEAD.equals(s.status())) {
                log.warn("destination {}: event {} ({}, {}) dead after attempt {}: {}", config.name(), d.eventId(),
                        d.eventType(), d.queueKey(), a.attempt(), a.httpStatus() == null ? a.error()
                                : "HTTP " + a.httpStatus() + (a.error() == null ? "" : ", " + a.error()));
            }
        }
    }

    /**
     * Stops dispatching, lets requests in flight finish (and their answers be recorded) within {@code grace},
     * then interrupts them and closes the destination's connections.
     */
    void close(Duration grace) {
        running = false;
        wake();
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            if (dispatcher != null) {
                dispatcher.join(Math.max(1, grace.toMillis()));
            }
            while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            inFlight.values().forEach(Thread::interrupt);
            if (recorder != null) {
                recorder.join(Math.max(1, Duration.ofSeconds(5).toMillis()));
                recorder.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            inFlight.values().forEach(Thread::interrupt);
        } finally {
            post.close();
        }
    }
}
