package io.livehook.state;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The read side of the state: what the query API and dashboard show, what reconciliation compares with
 * LiveKit, and the gauges. Each read runs on a connection of its own and sees only committed state; the SQL
 * is in the class of the tables it reads. Lists are paged by keyset: each page is asked for with the key of
 * the last item of the page before it, so paging stays correct and cheap while new events arrive.
 *
 * <p>Derived figures follow one rule set. A session lasts from its join to its leave; a session still open
 * lasts to its room's end, or to now while the room is active. A room lasts from its start to its finish,
 * or to now while it is active. Egress belongs to a room by room sid, or by room name when LiveKit gave
 * none.
 */
public final class StateQueries {
    public static final int MAX_LIMIT = 1000;

    private final StateStore store;
    private final Clock clock;

    public StateQueries(StateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    // -- results -------------------------------------------------------------------------------------

    /** One page of a list; {@code more} says a next page exists. */
    public record Page<T>(List<T> items, boolean more) {
        /** The page of {@code fetched}, which was asked for with one row more than {@code limit}. */
        static <T> Page<T> of(List<T> fetched, int limit) {
            if (fetched.size() > limit) {
                return new Page<>(List.copyOf(fetched.subList(0, limit)), true);
            }
            return new Page<>(List.copyOf(fetched), false);
        }

        public Optional<T> last() {
            return items.isEmpty() ? Optional.empty() : Optional.of(items.get(items.size() - 1));
        }
    }

    /**
     * What is derived about a room. {@code durationMs} is null when the start is unknown; participant
     * figures count distinct identities; {@code egressByStatus} counts the room's egress by latest status.
     */
    public record RoomFigures(
            Long durationMs,
            int peakParticipants,
            int currentParticipants,
            int sessions,
            int identities,
            long participantMs,
            Map<String, Long> egressByStatus) {

        public double participantMinutes() {
            return participantMs / 60_000.0;
        }
    }

    public record RoomSummary(Room room, RoomFigures figures) {}

    /** A session and how long it lasted (to its room's end or to now while open). */
    public record SessionSpan(Session session, long durationMs) {}

    public record RoomDetail(
            RoomSummary summary,
            List<SessionSpan> sessions,
            List<Track> tracks,
            List<String> currentParticipants,
            List<Egress> egress) {}

    /** An applied event without its body; {@code bodyBytes} is the size of the body received. */
    public record EventSummary(
            String eventId,
            int logPartition,
            long logOffset,
            String eventType,
            boolean knownType,
            String queueKey,
            String roomSid,
            String roomName,
            String participantSid,
            String participantIdentity,
            String trackSid,
            String egressId,
            String ingressId,
            Long createdAtMs,
            long receivedAtMs,
            String origin,
            String keyId,
            long bodyBytes) {}

    /** An anomaly with its row id (the order it was recorded in). */
    public record AnomalyRecord(long id, Anomaly anomaly) {}

    public record TimelineEntry(EventSummary event, List<AnomalyRecord> anomalies) {}

    /** One page of a room's events in log order, and every anomaly of the room. */
    public record Timeline(Room room, Page<TimelineEntry> entries, List<AnomalyRecord> anomalies) {}

    public record EventTypeCount(String eventType, boolean known, long count) {}

    // -- page keys -----------------------------------------------------------------------------------

    public record RoomKey(long startedAtMs, String sid) {
        public static RoomKey of(RoomSummary r) {
            Long started = r.room().startedAtMs();
            return new RoomKey(started == null ? 0 : started, r.room().sid());
        }
    }

    public record SessionKey(long joinedAtMs, String sid) {
        public static SessionKey of(SessionSpan s) {
            Long joined = s.session().joinedAtMs();
            return new SessionKey(joined == null ? 0 : joined, s.session().sid());
        }
    }

    /** Events newest first by received time, then log position. */
    public record EventKey(long receivedAtMs, int logPartition, long logOffset) {
        public static EventKey of(EventSummary e) {
            return new EventKey(e.receivedAtMs(), e.logPartition(), e.logOffset());
        }
    }

    /** A position in the log: timelines go forward from one. */
    public record LogPosition(int logPartition, long logOffset) {
        public static LogPosition of(TimelineEntry t) {
            return new LogPosition(t.event().logPartition(), t.event().logOffset());
        }
    }

    public record DeadLetterKey(long lastFailedMs, String eventId) {
        public static DeadLetterKey of(DeadLetter d) {
            return new DeadLetterKey(d.lastFailedMs(), d.eventId());
        }
    }

    /** Filters of the event list; null means any. {@code sinceMs} inclusive, {@code untilMs} exclusive. */
    public record EventFilter(String room, String eventType, Long sinceMs, Long untilMs) {}

    // -- rooms ---------------------------------------------------------------------------------------

    /** Rooms newest first (by start), optionally of one status, after {@code before} (exclusive). */
    public Page<RoomSummary> rooms(String status, RoomKey before, int limit) {
        long now = clock.millis();
        return store.read(sql -> {
            Page<Room> rooms = Rooms.page(sql, status, before, limit);
            Map<String, RoomFigures> figures = Rooms.figures(sql, rooms.items(), now);
            List<RoomSummary> summaries = new ArrayList<>();
            for (Room room : rooms.items()) {
                summaries.add(new RoomSummary(room, figures.get(room.sid())));
            }
            return new Page<>(summaries, rooms.more());
        });
    }

    /** A room by sid, or else the newest room of that name. */
    public Optional<RoomDetail> room(String sidOrName) {
        long now = clock.millis();
        return store.read(sql -> {
            Optional<Room> found = Rooms.bySidOrName(sql, sidOrName);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Room room = found.get();
            RoomFigures figures = Rooms.figures(sql, List.of(room), now).get(room.sid());
            return Optional.of(new RoomDetail(new RoomSummary(room, figures), Sessions.spansOfRoom(sql, room.sid(), now),
                    Tracks.ofRoom(sql, room.sid()), Sessions.present(sql, room.sid()),
                    EgressAndIngress.egressOfRoom(sql, room.sid())));
        });
    }

    /**
     * A room's events in log order after {@code after} (exclusive), each with the anomalies it caused, and
     * every anomaly of the room. Events that name the room without its sid (ingress, older servers) belong
     * to it when they happened between its start and its finish.
     */
    public Optional<Timeline> timeline(String sidOrName, LogPosition after, int limit) {
        return store.read(sql -> {
            Optional<Room> found = Rooms.bySidOrName(sql, sidOrName);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Room room = found.get();
            Page<EventSummary> events = Events.ofRoom(sql, room, after, limit);
            List<AnomalyRecord> anomalies = Anomalies.ofRoom(sql, room);
            Map<String, List<AnomalyRecord>> byEvent = new HashMap<>();
            for (AnomalyRecord anomaly : anomalies) {
                for (String eventId : anomaly.anomaly().eventIds()) {
                    byEvent.computeIfAbsent(eventId, id -> new ArrayList<>()).add(anomaly);
                }
            }
            List<TimelineEntry> entries = new ArrayList<>();
            for (EventSummary event : events.items()) {
                entries.add(new TimelineEntry(event, byEvent.getOrDefault(event.eventId(), List.of())));
            }
            return Optional.of(new Timeline(room, new Page<>(entries, events.more()), anomalies));
        });
    }

    /** Active rooms, or the active room(s) of that name. */
    public List<Room> activeRooms(Optional<String> name) {
        return store.read(sql -> Rooms.active(sql, name));
    }

    public long activeRoomCount() {
        return store.read(Rooms::countActive);
    }

    public Optional<Room> roomById(String sid) {
        return store.read(sql -> Rooms.byId(sql, sid));
    }

    // -- sessions ------------------------------------------------------------------------------------

    /** Sessions of one identity across rooms, newest first; empty if the identity was never seen. */
    public Optional<Page<SessionSpan>> identitySessions(String identity, SessionKey before, int limit) {
        long now = clock.millis();
        return store.read(sql -> Sessions.ofIdentity(sql, identity, before, limit, now));
    }

    /** A room's sessions, in sid order. */
    public List<Session> sessionsOfRoom(String roomSid) {
        return store.read(sql -> Sessions.ofRoom(sql, roomSid));
    }

    /** Up to {@code limit} state changes after {@code afterId}, oldest first. */
    public List<StateChange> changesAfter(long afterId, int limit) {
        return store.read(sql -> StateChanges.after(sql, afterId, limit));
    }

    /** The smallest and largest state change id kept, 0 for both when there is none. */
    public long[] changeBounds() {
        return store.read(StateChanges::bounds);
    }

    /** Who is in the room now (by sid, else the newest room of that name): its open sessions and open tracks. */
    public Optional<Presence> presence(String sidOrName) {
        return store.read(sql -> {
            Optional<Room> room = Rooms.bySidOrName(sql, sidOrName);
            if (room.isEmpty()) {
                return Optional.empty();
            }
            List<Session> open = Sessions.openOfRooms(sql, List.of(room.get().sid()));
            List<Track> tracks = Tracks.ofRoom(sql, room.get().sid()).stream().filter(Track::open).toList();
            return Optional.of(new Presence(room.get(), open, tracks));
        });
    }

    /** A room and who is in it now. */
    public record Presence(Room room, List<Session> sessions, List<Track> tracks) {}

    /** Active rooms nobody is in, with their timeouts and when each was last heard of. */
    public List<QuietRoom> quietRooms() {
        return store.read(Rooms::quiet);
    }

    /** A room's tracks, published and unpublished. */
    public List<Track> tracksOfRoom(String roomSid) {
        return store.read(sql -> Tracks.ofRoom(sql, roomSid));
    }

    /**
     * When livehook last heard of each participant (by sid) of the room: the later of its newest event's
     * LiveKit time and that event's arrival, so that a late-delivered event counts as recent.
     */
    public Map<String, Long> lastHeardOfParticipantsMs(String roomSid) {
        return store.read(sql -> Events.lastHeardOfParticipantsMs(sql, roomSid));
    }

    /** When livehook last heard of the room in its events, as {@link #lastHeardOfParticipantsMs}; 0 if never. */
    public long roomLastHeardMs(String roomSid) {
        return store.read(sql -> Events.lastHeardOfRoomMs(sql, roomSid));
    }

    // -- events --------------------------------------------------------------------------------------

    /** Applied events newest first (by received time, then log position), filtered. */
    public Page<EventSummary> events(EventFilter filter, EventKey before, int limit) {
        return store.read(sql -> Events.page(sql, filter, before, limit));
    }

    public Optional<EventSummary> event(String eventId) {
        return store.read(sql -> Events.summary(sql, eventId));
    }

    /** How many applied events of each type, most frequent first; unknown types included. */
    public List<EventTypeCount> eventTypes() {
        return store.read(Events::types);
    }

    public long eventCount() {
        return store.read(Events::count);
    }

    // -- anomalies and dead letters ------------------------------------------------------------------

    /** Anomalies newest first; {@code room} matches a room name or sid. */
    public Page<AnomalyRecord> anomalies(String room, String kind, Long beforeId, int limit) {
        return store.read(sql -> Anomalies.page(sql, room, kind, beforeId, limit));
    }

    /** The newest anomaly's id, where watching for new ones starts; 0 if there is none. */
    public long lastAnomalyId() {
        return store.read(Anomalies::lastId);
    }

    /** Anomalies recorded after {@code afterId}, at most {@code limit}, oldest first. */
    public List<AnomalyRecord> anomaliesAfter(long afterId, int limit) {
        return store.read(sql -> Anomalies.after(sql, afterId, limit));
    }

    /** Dead letters, most recently failed first, optionally of one status. */
    public Page<DeadLetter> deadLetters(String status, DeadLetterKey before, int limit) {
        return store.read(sql -> DeadLetters.page(sql, status, before, limit));
    }

    public Optional<DeadLetter> deadLetter(String eventId) {
        return store.read(sql -> DeadLetters.byId(sql, eventId));
    }

    /** Dead letters open or being retried. */
    public long unresolvedDeadLetters() {
        return store.read(DeadLetters::countUnresolved);
    }
}
