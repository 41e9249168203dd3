package io.livehook.reconcile;

import io.livehook.cluster.Leases;
import io.livehook.config.LivehookConfig;
import io.livehook.livekit.RoomService;
import io.livehook.livekit.RoomServiceException;
import io.livehook.log.EventLog;
import io.livehook.log.LogUnavailableException;
import io.livehook.retry.Backoff;
import io.livehook.state.Room;
import io.livehook.state.StateStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares what livehook believes about its active rooms with what LiveKit's RoomService says, and writes
 * the differences into the event log as livehook's own events ({@link Correction}), which the processor
 * applies like any webhook. A difference is acted on only when it cannot be a race ({@link Differences}); any
 * failed call ends the pass with no correction at all: an error is not an empty list.
 *
 * <p>Passes run one at a time: scheduled ({@link ReconcileScheduler}) and on demand. Calls are spaced by a rate
 * limit.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /**
     * How often and how carefully to reconcile; see {@link Differences} for what {@code grace} and {@code settle}
     * protect. {@code backoff} spaces scheduled passes after failures.
     */
    public record Settings(Duration interval, Duration anomalyDelay, Duration grace, Duration settle,
            double requestsPerSecond, Backoff backoff) {
        private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

        public static Settings of(LivehookConfig.Reconcile config) {
            return new Settings(config.interval(), config.anomalyDelay(), config.grace(), config.settle(),
                    config.requestsPerSecond(), Backoff.doubling(FIRST_BACKOFF, config.maxBackoff()));
        }
    }

    /** What one pass looked at and what it changed. Times are Unix milliseconds. */
    public record Summary(long startedAtMs, long durationMs, int roomsChecked, int participantsListed, int requests,
            int deferred, List<Done> corrections) {}

    /** One correction written to the log. */
    public record Done(String kind, String eventId, String room, String roomSid, String participantSid,
            String identity, String trackSid, long atMs) {}

    private final RoomService service;
    private final EventLog eventLog;
    private final KnownState known;
    private final Clock clock;
    private final Settings settings;
    private final RateLimiter limiter;
    private final ReentrantLock passes = new ReentrantLock();
    private final ReconcileMetrics metrics;
    private final ReconcileScheduler scheduler;
    private volatile Leases lock;

    public Reconciler(RoomService service, EventLog eventLog, StateStore state, Clock clock, Settings settings,
            MeterRegistry registry) {
        this.service = service;
        this.eventLog = eventLog;
        this.known = new KnownState(state);
        this.clock = clock;
        this.settings = settings;
        this.limiter = new RateLimiter(settings.requestsPerSecond());
        this.metrics = new ReconcileMetrics(registry);
        this.scheduler = new ReconcileScheduler(this, known, settings, clock);
    }

    public Settings settings() {
        return settings;
    }

    /** Starts the scheduled passes. */
    public void start() {
        scheduler.start(() -> true);
    }

    /**
     * Starts reconciling whenever this process holds {@code lock} (one slot): with several livehooks on one
     * state, one reconciles at a time, and another takes over when it stops.
     */
    public void start(Leases lock) {
        this.lock = lock;
        lock.start();
        scheduler.start(() -> lock.epoch(0) >= 0);
    }

    /** True while this process runs the passes (it holds the cluster's reconcile lock, or there is none). */
    public boolean reconciling() {
        return lock == null || lock.epoch(0) >= 0;
    }

    /**
     * One pass now, over every active room or the active room(s) named {@code room}; waits for a scheduled
     * pass in progress to end first.
     */
    public Summary reconcile(Optional<String> room) throws RoomServiceException, InterruptedException {
        passes.lockInterruptibly();
        try {
            Summary summary = pass(room);
            metrics.run("ok");
            if (!summary.corrections().isEmpty()) {
                log.info("reconciliation of {}: {} correction(s): {}", room.orElse("all active rooms"),
                        summary.corrections().size(), summary.corrections().stream()
                                .map(d -> d.kind() + " " + d.room() + (d.identity() == null ? "" : "/" + d.identity()))
                                .collect(Collectors.joining(", ")));
            }
            return summary;
        } catch (RoomServiceException | RuntimeException e) {
            metrics.run("error");
            throw e;
        } finally {
            passes.unlock();
        }
    }

    /** Looks, and looks again after {@code settle} at what differed, then writes what was confirmed. */
    private Summary pass(Optional<String> only) throws RoomServiceException, InterruptedException {
        long startedAtMs = clock.millis();
        LiveKitLook look = new LiveKitLook(service, limiter, metrics, clock);
        List<Room> rooms = known.activeRooms(only);
        Map<String, LiveKitLook.Answer> first = look.at(rooms);
        Differences differences = Differences.find(rooms, first, known, settings.grace());
        List<Correction> corrections = List.of();
        if (!differences.isEmpty()) {
            Thread.sleep(settings.settle());
            corrections = differences.confirm(first, look.at(differences.rooms()), known);
        }
        List<Done> done = new ArrayList<>();
        for (Correction c : corrections) {
            try {
                eventLog.append(c.incoming(clock.instant()));
            } catch (LogUnavailableException e) {
                throw new IllegalStateException("the event log cannot take corrections now: " + e.getMessage(), e);
            }
            metrics.correction(c.kind());
            done.add(new Done(c.kind().label(), c.eventId(), c.roomName(), c.roomSid(), c.participantSid(),
                    c.identity(), c.trackSid(), c.at().toEpochMilli()));
        }
        return new Summary(startedAtMs, clock.millis() - startedAtMs, rooms.size(), look.listed, look.requests,
                differences.deferred(), done);
    }

    @Override
    public void close() {
        scheduler.close();
        if (lock != null) {
            lock.close();
        }
    }
}
