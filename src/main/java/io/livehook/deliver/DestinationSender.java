package io.livehook.deliver;

import io.livehook.config.DestinationConfig;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.retry.Backoff;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.state.DeliveryStore;
import java.net.http.HttpClient;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one destination's deliveries. Each queue key (room) is a queue: only its first pending delivery
 * may go, and the next waits until that one is delivered or dead, retries included. Different rooms go
 * in parallel, at most {@code concurrency} at once, each request on a virtual thread. The dispatcher is
 * woken when deliveries commit or an attempt ends, and polls as a safety net.
 *
 * <p>Finding every queue's head reads the whole pending backlog, so it is done when something new may
 * be due (new deliveries, an operator's retry, a backoff ending, the poll) or when more rooms are due
 * than there are free slots. Otherwise, when an attempt ends, only that room's next head is looked up:
 * a backlog of many events in few rooms drains without rescanning it after every request.
 */
final class DestinationSender {
    private static final Logger log = LoggerFactory.getLogger(DestinationSender.class);
    static final Duration POLL = Duration.ofSeconds(1);
    private static final String USER_AGENT = "livehook/0.1";
    private static final Backoff RECORD_RETRY = Backoff.doubling(Duration.ofMillis(100), Duration.ofSeconds(5));

    private final DestinationConfig config;
    private final DeliveryStore store;
    private final EventLog eventLog;
    private final RequestSigner signer;
    private final WebhookPost post;
    private final Circuit circuit;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final Map<String, Thread> inFlight = new ConcurrentHashMap<>();
    private final BlockingQueue<Boolean> wake = new ArrayBlockingQueue<>(1);
    private final Queue<String> finishedRooms = new ConcurrentLinkedQueue<>();
    private volatile boolean scanRequested = true;
    private long nextScanAtMs;
    private boolean moreDueThanFetched;
    private volatile boolean running;
    private Thread dispatcher;

    DestinationSender(DestinationConfig config, DeliveryStore store, EventLog eventLog, HttpClient client, Clock clock,
            io.micrometer.core.instrument.MeterRegistry registry) {
        this.config = config;
        this.store = store;
        this.eventLog = eventLog;
        this.signer = RequestSigner.of(config.signing(), clock);
        this.post = new WebhookPost(client, config.url(), config.timeout());
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

    /** Requests out to the destination now. */
    int inFlight() {
        return inFlight.size();
    }

    Circuit circuit() {
        return circuit;
    }

    void start() {
        running = true;
        // A platform thread: processing wakes it at a lower CPU priority, and waking a virtual thread can make
        // the waker start a carrier thread, which would inherit that priority and run ingest's requests with it.
        dispatcher = Thread.ofPlatform().name("deliver-" + config.name()).daemon().start(this::dispatch);
    }

    /** Something new may be due (deliveries committed, an operator's retry or replay): look at every queue. */
    void wake() {
        scanRequested = true;
        wake.offer(Boolean.TRUE);
    }

    private void roomFinished(String queueKey) {
        finishedRooms.add(queueKey);
        wake.offer(Boolean.TRUE);
    }

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
        List<Delivery> candidates;
        boolean fullScan = scanRequested || moreDueThanFetched || now >= nextScanAtMs;
        if (fullScan) {
            scanRequested = false;
            finishedRooms.clear();
            int limit = free + busy + 1;
            candidates = store.heads(config.name(), limit);
            nextScanAtMs = now + POLL.toMillis();
            moreDueThanFetched = candidates.size() == limit && candidates.get(limit - 1).nextAttemptMs() <= now;
        } else {
            candidates = new ArrayList<>();
            for (String room; (room = finishedRooms.poll()) != null; ) {
                store.head(config.name(), room).ifPresent(candidates::add);
            }
            candidates.sort(Comparator.comparingLong(Delivery::nextAttemptMs));
        }
        for (Delivery d : candidates) {
            if (!running) {
                break;
            }
            if (d.nextAttemptMs() > now) {
                nextScanAtMs = Math.min(nextScanAtMs, d.nextAttemptMs()); // its backoff ends: look again then
                continue;
            }
            if (free == 0 || inFlight.containsKey(d.queueKey())) {
                continue;
            }
            if (!circuit.tryAcquire()) {
                break; // open, or half-open with its probe out: the attempt's end wakes us
            }
            free--;
            Thread thread = Thread.ofVirtual().name("deliver-" + config.name() + "-attempt").unstarted(() -> attempt(d));
            inFlight.put(d.queueKey(), thread);
            thread.start();
        }
        return Math.max(1, nextScanAtMs - now);
    }

    private void attempt(Delivery d) {
        try {
            Optional<Integer> begun = store.beginAttempt(d, clock.millis());
            if (begun.isEmpty()) {
                circuit.release(); // read before it changed: the next pass sees it as it is now
                return;
            }
            int attempt = begun.get();
            // The log keeps every body; the state keeps where each is.
            Optional<LoggedEvent> event = eventLog.read(d.logPartition(), d.logOffset(), d.eventId());
            long startedMs = clock.millis();
            WebhookPost.Reply answer = event.isPresent()
                    ? post.send(event.get().body(), signer.headers(d.eventId(), event.get().body()),
                            event.get().origin().label(), attempt, d.replay(), USER_AGENT)
                    : new WebhookPost.Reply(WebhookPost.Kind.REJECTED, null,
                            "the event's body is missing from the event log", null, 0, Optional.empty());
            settle(d, attempt, startedMs, answer);
        } catch (InterruptedException e) {
            // Stopping: the attempt stays in_flight in the store and reads as unknown after the restart.
            circuit.release();
        } catch (SQLException | RuntimeException e) {
            circuit.release();
            log.warn("destination {}: attempt for event {} could not be recorded: {}", config.name(), d.eventId(),
                    e.getMessage());
        } finally {
            inFlight.remove(d.queueKey());
            roomFinished(d.queueKey());
        }
    }

    private void settle(Delivery d, int attempt, long startedMs, WebhookPost.Reply answer)
            throws InterruptedException, SQLException {
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
        DeliveryAttempt recorded = new DeliveryAttempt(attempt, startedMs, answer.latencyMs(), answer.status(), error,
                answer.snippet(), outcome);
        record(d, recorded, status, next, now);
        metrics.attempt(outcome, answer.latencyMs());
        if (Delivery.DEAD.equals(status)) {
            log.warn("destination {}: event {} ({}, {}) dead after attempt {}: {}", config.name(), d.eventId(),
                    d.eventType(), d.queueKey(), attempt,
                    answer.status() == null ? error : "HTTP " + answer.status() + (error == null ? "" : ", " + error));
        }
    }

    /** Writes the outcome, retrying while the store is busy: losing it would mean sending again. */
    private void record(Delivery d, DeliveryAttempt attempt, String status, long next, long now)
            throws InterruptedException, SQLException {
        for (int tries = 1; ; tries++) {
            try {
                store.finishAttempt(d, attempt, status, next, now);
                return;
            } catch (SQLException e) {
                if (!running || tries >= 10) {
                    throw e;
                }
                Thread.sleep(RECORD_RETRY.delay(tries));
            }
        }
    }

    /** Stops dispatching, lets requests in flight finish within {@code grace}, then interrupts them. */
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inFlight.values().forEach(Thread::interrupt);
    }
}
