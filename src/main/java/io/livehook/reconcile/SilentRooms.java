package io.livehook.reconcile;

import io.livehook.cluster.Leases;
import io.livehook.log.EventLog;
import io.livehook.log.LogUnavailableException;
import io.livehook.retry.BackgroundLoop;
import io.livehook.state.QuietRoom;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends rooms when there is no LiveKit RoomService to ask: LiveKit closes a room {@code departureTimeout}
 * seconds after its last participant left ({@code emptyTimeout} if nobody ever joined), and sends room_finished,
 * which may be lost. An active room nobody is in that livehook has heard nothing of for that long, plus
 * {@code margin}, is ended through the log like a correction, as {@code inferred}, at the moment LiveKit would
 * have closed it. LiveKit's own room_finished, if it arrives later, gives the room its real end.
 *
 * <p>Timeouts a room's webhooks never stated are LiveKit's defaults.
 */
public final class SilentRooms implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SilentRooms.class);
    /** LiveKit's defaults for a room created without its own. */
    static final int DEFAULT_EMPTY_TIMEOUT_S = 300;
    static final int DEFAULT_DEPARTURE_TIMEOUT_S = 20;
    static final Duration TICK = Duration.ofSeconds(5);

    private final EventLog eventLog;
    private final StateQueries queries;
    private final Clock clock;
    private final Duration margin;
    /**
     * Rooms ended here whose end the processor has not applied yet, with when they had last been heard of: not
     * ended twice, unless something was heard of them since (the processor then refused the end).
     */
    private final Map<String, Long> ending = new HashMap<>();
    private final BackgroundLoop loop = new BackgroundLoop("silent-rooms", Duration.ofSeconds(10));
    private Leases lock;

    public SilentRooms(EventLog eventLog, StateStore state, Clock clock, Duration margin) {
        this.eventLog = eventLog;
        this.queries = new StateQueries(state, clock);
        this.clock = clock;
        this.margin = margin;
    }

    /**
     * Looks for silent rooms whenever this process holds {@code lock} (one slot): with several livehooks on one
     * state, one looks at a time (two would each write an end of their own for the same room), and another
     * takes over when it stops.
     */
    public void start(Leases lock) {
        this.lock = lock;
        lock.start();
        loop.start(this::run);
    }

    private void run() {
        while (loop.running()) {
            try {
                if (lock.epoch(0) >= 0) {
                    check();
                }
                Thread.sleep(TICK);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The state or the log failing now is no reason to stop looking for good.
                log.warn("looking for silent rooms failed, trying again: {}", e.toString());
                BackgroundLoop.pauseAfterFailure(TICK);
            }
        }
    }

    /** One look now; returns the ids of the room ends written to the log. */
    public synchronized List<String> check() {
        long nowMs = clock.millis();
        List<QuietRoom> quiet = queries.quietRooms();
        Set<String> stillQuiet = new HashSet<>();
        List<String> written = new ArrayList<>();
        for (QuietRoom q : quiet) {
            stillQuiet.add(q.room().sid());
            int empty = q.timeouts() == null || q.timeouts().emptyTimeoutS() <= 0 ? DEFAULT_EMPTY_TIMEOUT_S
                    : q.timeouts().emptyTimeoutS();
            int departure = q.timeouts() == null || q.timeouts().departureTimeoutS() <= 0
                    ? DEFAULT_DEPARTURE_TIMEOUT_S : q.timeouts().departureTimeoutS();
            boolean everJoined = q.room().peakParticipants() > 0;
            long timeoutMs = 1000L * (everJoined ? departure : empty);
            Long endedAfter = ending.get(q.room().sid());
            if ((endedAfter != null && endedAfter == q.lastHeardMs()) || nowMs < q.lastHeardMs() + timeoutMs + margin.toMillis()) {
                continue;
            }
            // Whole seconds, rounded up: the processor checks for silence back from createdAt by the timeout.
            Instant at = Instant.ofEpochSecond(Math.ceilDiv(q.lastHeardMs() + timeoutMs, 1000));
            Correction end = Correction.roomEndInferred(q.room().sid(), q.room().name(), everJoined ? 0 : empty,
                    everJoined ? departure : 0, at);
            try {
                eventLog.append(end.incoming(clock.instant()));
            } catch (LogUnavailableException e) {
                throw new IllegalStateException("the event log cannot take a room's end now: " + e.getMessage(), e);
            }
            ending.put(q.room().sid(), q.lastHeardMs());
            written.add(end.eventId());
            log.info("room {} ({}) silent and empty for {} s: ended as inferred", q.room().name(), q.room().sid(),
                    timeoutMs / 1000);
        }
        ending.keySet().retainAll(stillQuiet);
        return written;
    }

    @Override
    public void close() {
        loop.close();
        if (lock != null) {
            lock.close();
        }
    }
}
