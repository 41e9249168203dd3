package io.livehook.reconcile;

import io.livehook.livekit.ResourceIds;
import io.livehook.livekit.RoomServiceException;
import io.livehook.process.AnomalyKind;
import io.livehook.retry.BackgroundLoop;
import io.livehook.state.Anomaly;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When passes run: every {@code interval} over all active rooms, within {@code anomalyDelay} for a room where
 * processing just recorded an anomaly (a gap in its stream is the first sign of a lost event), spaced by the
 * backoff after a failed pass.
 */
final class ReconcileScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReconcileScheduler.class);
    private static final int ANOMALY_BATCH = 1000;
    private static final Duration TICK = Duration.ofMillis(250);

    private final Reconciler reconciler;
    private final KnownState known;
    private final Reconciler.Settings settings;
    private final Clock clock;
    private final Map<String, Long> dueRooms = new LinkedHashMap<>();
    private final BackgroundLoop loop = new BackgroundLoop("reconcile", Duration.ofSeconds(10));
    private BooleanSupplier holdsLock = () -> true;

    ReconcileScheduler(Reconciler reconciler, KnownState known, Reconciler.Settings settings, Clock clock) {
        this.reconciler = reconciler;
        this.known = known;
        this.settings = settings;
        this.clock = clock;
    }

    /** Runs passes only while {@code holdsLock} says this process is the cluster's one reconciler. */
    void start(BooleanSupplier holdsLock) {
        this.holdsLock = holdsLock;
        loop.start(this::schedule);
    }

    private void schedule() {
        long seenAnomaly = known.lastAnomalyId();
        long nextFullMs = clock.millis() + settings.anomalyDelay().toMillis();
        long backoffUntilMs = 0;
        int failures = 0;
        boolean holding = true;
        while (loop.running()) {
            try {
                if (!holdsLock.getAsBoolean()) {
                    holding = false;
                    Thread.sleep(TICK);
                    continue;
                }
                if (!holding) {
                    // Taken over from a reconciler that stopped: start afresh, as after a start.
                    holding = true;
                    log.info("this livehook reconciles now");
                    seenAnomaly = known.lastAnomalyId();
                    nextFullMs = clock.millis() + settings.anomalyDelay().toMillis();
                    backoffUntilMs = 0;
                    failures = 0;
                }
                seenAnomaly = watchAnomalies(seenAnomaly);
                long now = clock.millis();
                if (now >= backoffUntilMs) {
                    Optional<Boolean> ok = Optional.empty();
                    if (now >= nextFullMs) {
                        ok = Optional.of(pass(Optional.empty()));
                        if (ok.get()) {
                            synchronized (dueRooms) {
                                dueRooms.clear();
                            }
                            nextFullMs = clock.millis() + settings.interval().toMillis();
                        }
                    } else {
                        for (String room : roomsDue(now)) {
                            ok = Optional.of(pass(Optional.of(room)));
                            if (!ok.get()) {
                                break;
                            }
                            synchronized (dueRooms) {
                                dueRooms.remove(room);
                            }
                        }
                    }
                    if (ok.isPresent()) {
                        failures = ok.get() ? 0 : failures + 1;
                        backoffUntilMs = ok.get() ? 0 : clock.millis() + settings.backoff().delay(failures).toMillis();
                    }
                }
                Thread.sleep(TICK);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The state store failing is no reason to stop reconciling for good.
                log.warn("reconciliation scheduling failed, trying again: {}", e.toString());
                BackgroundLoop.pauseAfterFailure(settings.backoff().initial());
            }
        }
    }

    /** Rooms with a new anomaly (other than reconciliation's own doings) become due after the delay. */
    private long watchAnomalies(long seen) {
        List<Map.Entry<Long, Anomaly>> fresh = known.anomaliesAfter(seen, ANOMALY_BATCH);
        long dueAt = clock.millis() + settings.anomalyDelay().toMillis();
        for (Map.Entry<Long, Anomaly> entry : fresh) {
            Anomaly anomaly = entry.getValue();
            boolean ours = AnomalyKind.RECONCILED.label().equals(anomaly.kind())
                    || anomaly.eventIds().stream().allMatch(id -> id.startsWith(ResourceIds.LIVEHOOK_EVENT));
            if (!ours && anomaly.roomName() != null) {
                synchronized (dueRooms) {
                    dueRooms.putIfAbsent(anomaly.roomName(), dueAt);
                }
            }
            seen = entry.getKey();
        }
        return seen;
    }

    private List<String> roomsDue(long now) {
        synchronized (dueRooms) {
            return dueRooms.entrySet().stream().filter(e -> e.getValue() <= now).map(Map.Entry::getKey).toList();
        }
    }

    /** True if the pass got its answers (whatever it corrected). */
    private boolean pass(Optional<String> room) throws InterruptedException {
        try {
            reconciler.reconcile(room);
            return true;
        } catch (RoomServiceException e) {
            log.warn("reconciliation of {} failed, nothing corrected: {}", room.orElse("all active rooms"),
                    e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
