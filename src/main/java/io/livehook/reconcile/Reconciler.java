package io.livehook.reconcile;

import io.livehook.config.LivehookConfig;
import io.livehook.livekit.RoomService;
import io.livehook.livekit.RoomServiceException;
import io.livehook.log.EventLog;
import io.livehook.log.LogUnavailableException;
import io.livehook.process.AnomalyKind;
import io.livehook.retry.Backoff;
import io.livehook.state.Anomaly;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import livekit.LivekitModels.ParticipantInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares what livehook believes about its active rooms with what LiveKit's RoomService says, and writes
 * the differences into the event log as livehook's own events ({@link Correction}), which the processor
 * applies like any webhook.
 *
 * <p>LiveKit's answer is a snapshot taken at one moment while webhooks are still on their way, so a
 * difference is acted on only when it cannot be a race:
 * <ul>
 *   <li>A session livehook has open is <b>ended</b> only if (a) ListParticipants answered, (b) without it,
 *       (c) livehook last heard of the participant (any event's LiveKit time or arrival, whichever is later)
 *       more than {@code grace} before that list was requested, and (d) a second ListParticipants after
 *       {@code settle} still omits it while livehook still has it open. Its end time is when the first list
 *       that omitted it was requested: LiveKit knew it gone by then, and no later.</li>
 *   <li>A participant LiveKit lists (JOINED or ACTIVE; a JOINING one may still abort) that livehook has never
 *       heard of is <b>opened</b> only if the second list still has it and livehook still does not know it
 *       after {@code settle}: its participant_joined may be in flight. Its join time is LiveKit's
 *       {@code joined_at_ms}.</li>
 *   <li>A room livehook has active is <b>finished</b> only if ListRooms omits it twice, {@code settle}
 *       apart, and livehook last heard of it more than {@code grace} before the first ListRooms; its end
 *       time is when that first ListRooms was requested.</li>
 * </ul>
 * Any failed call ends the pass with no correction at all: an error is not an empty list. The processor
 * checks once more when it applies each correction (see EventRules): a session or room with an event
 * newer than the list is left alone.
 *
 * <p>Passes run one at a time: every {@code interval} over all active rooms, within {@code anomalyDelay}
 * for a room where processing just recorded an anomaly (a gap in its stream is the first sign of a lost
 * event), and on demand. Calls are spaced by a rate limit; after a failure the scheduler waits with an
 * exponential backoff.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    private static final int NAMES_PER_LIST = 100;
    private static final int ANOMALY_BATCH = 1000;
    private static final Duration TICK = Duration.ofMillis(250);

    /**
     * How often and how carefully to reconcile; see the class comment for what each bound protects. {@code backoff}
     * spaces scheduled passes after failures.
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
            String identity, long atMs) {}

    private final RoomService service;
    private final EventLog eventLog;
    private final KnownState known;
    private final Clock clock;
    private final Settings settings;
    private final RateLimiter limiter;
    private final ReentrantLock passes = new ReentrantLock();
    private final ReconcileMetrics metrics;
    private final Map<String, Long> dueRooms = new LinkedHashMap<>();
    private volatile boolean running;
    private Thread scheduler;

    public Reconciler(RoomService service, EventLog eventLog, StateStore state, Clock clock, Settings settings,
            MeterRegistry registry) {
        this.service = service;
        this.eventLog = eventLog;
        this.known = new KnownState(state);
        this.clock = clock;
        this.settings = settings;
        this.limiter = new RateLimiter(settings.requestsPerSecond());
        this.metrics = new ReconcileMetrics(registry);
    }

    public Settings settings() {
        return settings;
    }

    /** Starts the scheduled passes. */
    public void start() {
        running = true;
        scheduler = Thread.ofPlatform().name("reconcile").daemon().start(this::schedule);
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

    // -- one pass --------------------------------------------------------------------------------------

    /** LiveKit's answer about one room at one moment. */
    private record Look(boolean listed, List<ParticipantInfo> participants, Instant askedAt) {
        Optional<ParticipantInfo> participant(String sid) {
            return participants.stream().filter(p -> p.getSid().equals(sid)).findFirst();
        }
    }

    private final class Pass {
        final long startedAtMs = clock.millis();
        int requests;
        int listed;
        int deferred;

        /** ListRooms for the rooms' names, then ListParticipants for each room LiveKit has; by room sid. */
        Map<String, Look> look(List<Room> rooms) throws RoomServiceException, InterruptedException {
            List<String> names = rooms.stream().map(Room::name).distinct().toList();
            Map<String, Set<String>> liveSidsByName = new HashMap<>();
            Map<String, Instant> askedByName = new HashMap<>();
            for (int from = 0; from < names.size(); from += NAMES_PER_LIST) {
                List<String> chunk = names.subList(from, Math.min(names.size(), from + NAMES_PER_LIST));
                limiter.acquire();
                Instant asked = clock.instant();
                List<livekit.LivekitModels.Room> live = call("ListRooms", () -> service.listRooms(chunk));
                chunk.forEach(n -> askedByName.put(n, asked));
                live.forEach(r -> liveSidsByName.computeIfAbsent(r.getName(), n -> new LinkedHashSet<>()).add(r.getSid()));
            }
            Map<String, Look> looks = new HashMap<>();
            for (Room room : rooms) {
                Set<String> liveSids = liveSidsByName.getOrDefault(room.name(), Set.of());
                // A room reopened under the same name has a new sid: the one livehook has is gone.
                boolean listedNow = room.sid().startsWith("name:") ? !liveSids.isEmpty() : liveSids.contains(room.sid());
                if (!listedNow) {
                    looks.put(room.sid(), new Look(false, List.of(), askedByName.get(room.name())));
                    continue;
                }
                limiter.acquire();
                Instant asked = clock.instant();
                List<ParticipantInfo> participants = call("ListParticipants", () -> service.listParticipants(room.name()));
                listed += participants.size();
                looks.put(room.sid(), new Look(true, participants, asked));
            }
            return looks;
        }

        private <T> T call(String method, RoomServiceCall<T> call) throws RoomServiceException {
            requests++;
            try {
                T answer = call.run();
                metrics.request(method, "ok");
                return answer;
            } catch (RoomServiceException e) {
                metrics.request(method, "error");
                throw e;
            }
        }
    }

    @FunctionalInterface
    private interface RoomServiceCall<T> {
        T run() throws RoomServiceException;
    }

    private Summary pass(Optional<String> only) throws RoomServiceException, InterruptedException {
        Pass pass = new Pass();
        List<Room> rooms = known.activeRooms(only);
        Map<String, Look> first = pass.look(rooms);

        // Read after LiveKit answered: whatever livehook learnt since is recent, and the grace spares it.
        List<Room> gone = new ArrayList<>();
        Map<Room, List<Session>> leaving = new LinkedHashMap<>();
        Map<Room, List<ParticipantInfo>> arriving = new LinkedHashMap<>();
        for (Room room : rooms) {
            Look look = first.get(room.sid());
            long graceEndMs = look.askedAt().minus(settings.grace()).toEpochMilli();
            if (!look.listed()) {
                if (known.roomLastHeardMs(room) < graceEndMs) {
                    gone.add(room);
                } else {
                    pass.deferred++;
                }
                continue;
            }
            KnownState.RoomSessions sessions = known.sessions(room.sid());
            for (Session s : sessions.open()) {
                if (look.participant(s.sid()).isEmpty()) {
                    if (sessions.lastHeardMs(s) < graceEndMs) {
                        leaving.computeIfAbsent(room, r -> new ArrayList<>()).add(s);
                    } else {
                        pass.deferred++;
                    }
                }
            }
            Set<String> knownSids = sessions.sids();
            for (ParticipantInfo p : look.participants()) {
                if (connected(p) && !knownSids.contains(p.getSid())) {
                    arriving.computeIfAbsent(room, r -> new ArrayList<>()).add(p);
                }
            }
        }
        List<Correction> corrections = new ArrayList<>();
        if (!gone.isEmpty() || !leaving.isEmpty() || !arriving.isEmpty()) {
            Thread.sleep(settings.settle());
            Set<Room> again = new LinkedHashSet<>(gone);
            again.addAll(leaving.keySet());
            again.addAll(arriving.keySet());
            Map<String, Look> second = pass.look(List.copyOf(again));
            confirm(pass, first, second, gone, leaving, arriving, corrections);
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
                    c.identity(), c.at().toEpochMilli()));
        }
        return new Summary(pass.startedAtMs, clock.millis() - pass.startedAtMs, rooms.size(), pass.listed,
                pass.requests, pass.deferred, done);
    }

    /** The second look: what is still missing or still unknown, in LiveKit and in livehook alike, is corrected. */
    private void confirm(Pass pass, Map<String, Look> first, Map<String, Look> second, List<Room> gone,
            Map<Room, List<Session>> leaving, Map<Room, List<ParticipantInfo>> arriving, List<Correction> out) {
        for (Room room : gone) {
            boolean stillActive = known.room(room.sid()).map(Room::active).orElse(false);
            if (!second.get(room.sid()).listed() && stillActive) {
                out.add(Correction.roomFinished(room.sid(), room.name(), first.get(room.sid()).askedAt()));
            } else {
                pass.deferred++;
            }
        }
        for (Map.Entry<Room, List<Session>> entry : leaving.entrySet()) {
            Room room = entry.getKey();
            Look again = second.get(room.sid());
            KnownState.RoomSessions now = known.sessions(room.sid());
            for (Session s : entry.getValue()) {
                boolean stillOpen = now.open().stream().anyMatch(o -> o.sid().equals(s.sid()));
                // A room gone by now is left to the next pass, which finishes it whole.
                if (again.listed() && again.participant(s.sid()).isEmpty() && stillOpen) {
                    out.add(Correction.sessionEnded(room.sid(), room.name(), info(s), first.get(room.sid()).askedAt()));
                } else {
                    pass.deferred++;
                }
            }
        }
        for (Map.Entry<Room, List<ParticipantInfo>> entry : arriving.entrySet()) {
            Room room = entry.getKey();
            Look again = second.get(room.sid());
            Set<String> knownSids = known.sessions(room.sid()).sids();
            for (ParticipantInfo p : entry.getValue()) {
                Optional<ParticipantInfo> still = again.participant(p.getSid()).filter(Reconciler::connected);
                if (still.isPresent() && !knownSids.contains(p.getSid())) {
                    out.add(Correction.sessionOpened(room.sid(), room.name(), still.get(), again.askedAt()));
                } else {
                    pass.deferred++;
                }
            }
        }
    }

    /** JOINING participants are left out: LiveKit sends participant_joined only once they are active. */
    private static boolean connected(ParticipantInfo p) {
        return p.getState() == ParticipantInfo.State.JOINED || p.getState() == ParticipantInfo.State.ACTIVE;
    }

    private static ParticipantInfo info(Session s) {
        ParticipantInfo.Builder info = ParticipantInfo.newBuilder().setSid(s.sid()).setIdentity(s.identity())
                .setName(s.name()).setMetadata(s.metadata());
        try {
            info.setKind(ParticipantInfo.Kind.valueOf(s.kind()));
        } catch (IllegalArgumentException unknownKind) {
            // a kind newer than the SDK's schema: the body leaves it out
        }
        if (s.joinedAtMs() != null) {
            info.setJoinedAt(s.joinedAtMs() / 1000).setJoinedAtMs(s.joinedAtMs());
        }
        return info.build();
    }

    // -- scheduling ------------------------------------------------------------------------------------

    private void schedule() {
        long seenAnomaly = known.lastAnomalyId();
        long nextFullMs = clock.millis() + settings.anomalyDelay().toMillis();
        long backoffUntilMs = 0;
        int failures = 0;
        while (running) {
            try {
                seenAnomaly = watchAnomalies(seenAnomaly);
                long now = clock.millis();
                if (now >= backoffUntilMs) {
                    Optional<Boolean> ok = Optional.empty();
                    if (now >= nextFullMs) {
                        ok = Optional.of(scheduledPass(Optional.empty()));
                        if (ok.get()) {
                            synchronized (dueRooms) {
                                dueRooms.clear();
                            }
                            nextFullMs = clock.millis() + settings.interval().toMillis();
                        }
                    } else {
                        for (String room : roomsDue(now)) {
                            ok = Optional.of(scheduledPass(Optional.of(room)));
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
                sleepQuietly(settings.backoff().initial());
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
                    || anomaly.eventIds().stream().allMatch(id -> id.startsWith("LH_"));
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
    private boolean scheduledPass(Optional<String> room) throws InterruptedException {
        try {
            reconcile(room);
            return true;
        } catch (RoomServiceException e) {
            log.warn("reconciliation of {} failed, nothing corrected: {}", room.orElse("all active rooms"),
                    e.getMessage());
            return false;
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (scheduler != null) {
            scheduler.interrupt();
            try {
                scheduler.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class ReconcileMetrics {
        private final MeterRegistry registry;

        ReconcileMetrics(MeterRegistry registry) {
            this.registry = registry;
            // Every series exists from the start, at 0, so increase() sees the first one too.
            for (Correction.Kind kind : Correction.Kind.values()) {
                corrections(kind);
            }
            for (String outcome : List.of("ok", "error")) {
                runs(outcome);
                for (String method : List.of("ListRooms", "ListParticipants")) {
                    requests(method, outcome);
                }
            }
        }

        void correction(Correction.Kind kind) {
            corrections(kind).increment();
        }

        void run(String outcome) {
            runs(outcome).increment();
        }

        void request(String method, String outcome) {
            requests(method, outcome).increment();
        }

        private Counter corrections(Correction.Kind kind) {
            return Counter.builder("livehook.reconcile.corrections")
                    .description("Corrections reconciliation wrote to the log, by kind")
                    .tag("kind", kind.label())
                    .register(registry);
        }

        private Counter runs(String outcome) {
            return Counter.builder("livehook.reconcile.runs")
                    .description("Reconciliation passes, by outcome (error: a RoomService call failed, nothing corrected)")
                    .tag("outcome", outcome)
                    .register(registry);
        }

        private Counter requests(String method, String outcome) {
            return Counter.builder("livehook.reconcile.requests")
                    .description("RoomService calls, by method and outcome")
                    .tag("method", method)
                    .tag("outcome", outcome)
                    .register(registry);
        }
    }
}
