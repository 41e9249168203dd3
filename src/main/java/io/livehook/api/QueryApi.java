package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.process.AnomalyKind;
import io.livehook.process.Processor;
import io.livehook.state.DeadLetter;
import io.livehook.state.Room;
import io.livehook.state.StateQueries;
import io.livehook.state.StateQueries.DeadLetterKey;
import io.livehook.state.StateQueries.EventFilter;
import io.livehook.state.StateQueries.EventKey;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateQueries.LogPosition;
import io.livehook.state.StateQueries.Page;
import io.livehook.state.StateQueries.RoomKey;
import io.livehook.state.StateQueries.SessionKey;
import io.livehook.state.StateQueries.TimelineEntry;
import io.livehook.state.StateUnavailableException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON query API under {@code /api}: rooms with their figures, sessions, timelines, events and their
 * raw bytes, anomalies, dead letters (and retrying them), quarantined bodies. Read-only but for the retry.
 * Every call needs the API token or a dashboard session (see {@link AccessFilter}). Lists are newest first
 * unless said otherwise, take {@code limit} (default 100, at most 1000) and answer {@code next_cursor}, to
 * pass back as {@code cursor} for the next page (null on the last page).
 */
public final class QueryApi {
    private static final Logger log = LoggerFactory.getLogger(QueryApi.class);
    private static final List<String> ROOM_STATUSES = List.of(Room.ACTIVE, Room.FINISHED);
    private static final List<String> DEAD_LETTER_STATUSES = List.of(DeadLetter.OPEN, DeadLetter.RETRYING,
            DeadLetter.RESOLVED);
    private static final List<String> ANOMALY_KINDS = Arrays.stream(AnomalyKind.values()).map(AnomalyKind::label)
            .toList();

    private final StateQueries queries;
    private final EventLog eventLog;
    private final Processor processor;

    public QueryApi(StateQueries queries, EventLog eventLog, Processor processor) {
        this.queries = queries;
        this.eventLog = eventLog;
        this.processor = processor;
    }

    List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/rooms", this::rooms),
                ApiRoute.get("/rooms/{room}", this::room),
                ApiRoute.get("/rooms/{room}/timeline", this::timeline),
                ApiRoute.get("/identities/{identity}/sessions", this::identitySessions),
                ApiRoute.get("/events", this::events),
                ApiRoute.get("/events/{id}", this::event),
                new ApiRoute(Method.GET, "/events/{id}/raw", this::rawEvent),
                ApiRoute.get("/event-types", this::eventTypes),
                ApiRoute.get("/anomalies", this::anomalies),
                ApiRoute.get("/dead-letters", this::deadLetters),
                ApiRoute.post("/dead-letters/retry", this::retryDeadLetters),
                ApiRoute.get("/dead-letters/{id}", this::deadLetter),
                ApiRoute.get("/quarantine", this::quarantine));
    }

    // -- rooms -----------------------------------------------------------------------------------------

    private JsonNode rooms(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "status", "limit", "cursor");
        String status = params.oneOf("status", ROOM_STATUSES).orElse(null);
        RoomKey before = params.text("cursor").map(c -> {
            JsonNode[] key = Cursor.decode(c, "rooms", "ls");
            return new RoomKey(key[0].longValue(), key[1].textValue());
        }).orElse(null);
        Page<StateQueries.RoomSummary> page = queries.rooms(status, before, params.limit());
        return ApiJson.page("rooms", page, ApiJson::room,
                last -> Cursor.encode("rooms", RoomKey.of(last).startedAtMs(), RoomKey.of(last).sid()));
    }

    private JsonNode room(ServerRequest req) {
        new QueryParameters(req.query());
        String room = req.path().pathParameters().get("room");
        StateQueries.RoomDetail detail = queries.room(room).orElseThrow(() -> noRoom(room));
        ObjectNode node = ApiJson.room(detail.summary());
        ArrayNode present = node.putArray("current_participants");
        detail.currentParticipants().forEach(present::add);
        ArrayNode sessions = node.putArray("sessions");
        detail.sessions().forEach(s -> sessions.add(ApiJson.session(s)));
        ArrayNode tracks = node.putArray("tracks");
        detail.tracks().forEach(t -> tracks.add(ApiJson.track(t)));
        ArrayNode egress = node.putArray("egress");
        detail.egress().forEach(e -> egress.add(ApiJson.egress(e)));
        return node;
    }

    private JsonNode timeline(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "limit", "cursor");
        String room = req.path().pathParameters().get("room");
        LogPosition after = params.text("cursor").map(c -> {
            JsonNode[] key = Cursor.decode(c, "timeline", "il");
            return new LogPosition(key[0].intValue(), key[1].longValue());
        }).orElse(null);
        StateQueries.Timeline timeline = queries.timeline(room, after, params.limit()).orElseThrow(() -> noRoom(room));
        Room r = timeline.room();
        ObjectNode node = ApiJson.object();
        node.putObject("room")
                .put("sid", r.sid())
                .put("name", r.name())
                .put("status", r.status())
                .put("started_at_ms", r.startedAtMs())
                .put("finished_at_ms", r.finishedAtMs());
        ArrayNode events = node.putArray("events");
        for (TimelineEntry entry : timeline.entries().items()) {
            ObjectNode event = ApiJson.event(entry.event());
            ArrayNode anomalies = event.putArray("anomalies");
            entry.anomalies().forEach(a -> anomalies.add(ApiJson.anomaly(a)));
            events.add(event);
        }
        node.put("next_cursor", ApiJson.nextCursor(timeline.entries(), last -> Cursor.encode("timeline",
                LogPosition.of(last).logPartition(), LogPosition.of(last).logOffset())));
        ArrayNode anomalies = node.putArray("anomalies");
        timeline.anomalies().forEach(a -> anomalies.add(ApiJson.anomaly(a)));
        return node;
    }

    private static ApiException noRoom(String room) {
        return ApiException.notFound("no room with sid or name \"" + room + "\"");
    }

    private JsonNode identitySessions(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "limit", "cursor");
        String identity = req.path().pathParameters().get("identity");
        SessionKey before = params.text("cursor").map(c -> {
            JsonNode[] key = Cursor.decode(c, "sessions", "ls");
            return new SessionKey(key[0].longValue(), key[1].textValue());
        }).orElse(null);
        var page = queries.identitySessions(identity, before, params.limit())
                .orElseThrow(() -> ApiException.notFound("no session of identity \"" + identity + "\""));
        ObjectNode node = ApiJson.page("sessions", page, ApiJson::session,
                last -> Cursor.encode("sessions", SessionKey.of(last).joinedAtMs(), SessionKey.of(last).sid()));
        return ApiJson.object().put("identity", identity).setAll(node);
    }

    // -- events ----------------------------------------------------------------------------------------

    private JsonNode events(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "room", "type", "since", "until", "limit", "cursor");
        Optional<Long> since = params.epochMs("since");
        Optional<Long> until = params.epochMs("until");
        if (since.isPresent() && until.isPresent() && since.get() > until.get()) {
            throw ApiException.badRequest("since (" + since.get() + ") is after until (" + until.get() + ")");
        }
        EventKey before = params.text("cursor").map(c -> {
            JsonNode[] key = Cursor.decode(c, "events", "lil");
            return new EventKey(key[0].longValue(), key[1].intValue(), key[2].longValue());
        }).orElse(null);
        var filter = new EventFilter(params.text("room").orElse(null), params.text("type").orElse(null),
                since.orElse(null), until.orElse(null));
        return ApiJson.page("events", queries.events(filter, before, params.limit()), ApiJson::event, last -> {
            EventKey key = EventKey.of(last);
            return Cursor.encode("events", key.receivedAtMs(), key.logPartition(), key.logOffset());
        });
    }

    /**
     * An applied event from the state; one the log took but processing has not applied yet (or has
     * dead-lettered) from the log, so that an event answered 200 can be looked up at once.
     */
    private JsonNode event(ServerRequest req) {
        new QueryParameters(req.query());
        String id = req.path().pathParameters().get("id");
        Optional<EventSummary> applied = queries.event(id);
        if (applied.isPresent()) {
            return ApiJson.event(applied.get()).put("status", "applied");
        }
        LoggedEvent logged = eventLog.find(id).orElseThrow(() -> noEvent(id));
        boolean deadLettered = queries.deadLetter(id).filter(d -> !DeadLetter.RESOLVED.equals(d.status())).isPresent();
        return ApiJson.loggedEvent(logged).put("status", deadLettered ? "dead_lettered" : "pending");
    }

    /** The body exactly as LiveKit sent it: the bytes its signature covered, from the log. */
    private void rawEvent(ServerRequest req, ServerResponse res) {
        new QueryParameters(req.query());
        String id = req.path().pathParameters().get("id");
        Optional<LoggedEvent> logged = queries.event(id)
                .flatMap(e -> eventLog.read(e.logPartition(), e.logOffset(), id))
                .or(() -> eventLog.find(id));
        byte[] body = logged.orElseThrow(() -> noEvent(id)).body();
        // A browser with a dashboard session may open this: the nosniff header never lets it guess HTML.
        ApiJson.sendBytes(res, Status.OK_200, body);
    }

    private static ApiException noEvent(String id) {
        return ApiException.notFound("no event with id \"" + id + "\" (events the log took longer ago than its "
                + "dedupe window are found once applied; dead-lettered ones are under /api/dead-letters)");
    }

    private JsonNode eventTypes(ServerRequest req) {
        new QueryParameters(req.query());
        ArrayNode types = ApiJson.array();
        queries.eventTypes().forEach(t -> types.add(ApiJson.eventType(t)));
        ObjectNode node = ApiJson.object();
        node.set("event_types", types);
        return node;
    }

    // -- anomalies, dead letters, quarantine -----------------------------------------------------------

    private JsonNode anomalies(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "room", "kind", "limit", "cursor");
        String kind = params.oneOf("kind", ANOMALY_KINDS).orElse(null);
        Long before = params.text("cursor").map(c -> Cursor.decode(c, "anomalies", "l")[0].longValue()).orElse(null);
        return ApiJson.page("anomalies", queries.anomalies(params.text("room").orElse(null), kind, before, params.limit()),
                ApiJson::anomaly, last -> Cursor.encode("anomalies", last.id()));
    }

    private JsonNode deadLetters(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "status", "limit", "cursor");
        String status = params.oneOf("status", DEAD_LETTER_STATUSES).orElse(null);
        DeadLetterKey before = params.text("cursor").map(c -> {
            JsonNode[] key = Cursor.decode(c, "dead_letters", "ls");
            return new DeadLetterKey(key[0].longValue(), key[1].textValue());
        }).orElse(null);
        return ApiJson.page("dead_letters", queries.deadLetters(status, before, params.limit()), ApiJson::deadLetter,
                last -> Cursor.encode("dead_letters", last.lastFailedMs(), last.eventId()));
    }

    /** A dead letter with the body the log holds for it, so the failure can be understood. */
    private JsonNode deadLetter(ServerRequest req) {
        new QueryParameters(req.query());
        String id = req.path().pathParameters().get("id");
        DeadLetter letter = queries.deadLetter(id)
                .orElseThrow(() -> ApiException.notFound("no dead letter for event \"" + id + "\""));
        ObjectNode node = ApiJson.deadLetter(letter);
        Optional<LoggedEvent> found = eventLog.read(letter.logPartition(), letter.logOffset(), letter.eventId());
        if (found.isPresent()) {
            node.put("received_at_ms", found.get().receivedAt().toEpochMilli()).put("key_id", found.get().keyId());
            ApiJson.withBody(node, found.get().body());
        } else {
            node.putNull("received_at_ms").putNull("key_id").putNull("body_encoding").putNull("body");
        }
        return node;
    }

    /** {@code {"event_ids": [...]}}: open dead letters among them are applied again. */
    private JsonNode retryDeadLetters(ServerRequest req) {
        new QueryParameters(req.query());
        List<String> ids = eventIds(req);
        int queued;
        try {
            queued = processor.retryDeadLetters(ids);
        } catch (SQLException e) {
            throw new StateUnavailableException("could not mark dead letters for retry: " + e.getMessage(), e);
        }
        log.info("{} of {} dead letters queued for retry through the API", queued, ids.size());
        return ApiJson.object().put("requested", ids.size()).put("queued", queued);
    }

    private static List<String> eventIds(ServerRequest req) {
        String usage = "expected a JSON object {\"event_ids\": [\"EV_...\", ...]} with 1 to " + StateQueries.MAX_LIMIT
                + " event ids";
        JsonNode ids = RequestBody.object(req, usage).get("event_ids");
        if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > StateQueries.MAX_LIMIT) {
            throw ApiException.badRequest(usage);
        }
        Set<String> unique = new LinkedHashSet<>();
        for (JsonNode id : ids) {
            if (!id.isTextual() || id.textValue().isBlank()) {
                throw ApiException.badRequest("event_ids must hold non-empty strings: " + usage);
            }
            unique.add(id.textValue());
        }
        return new ArrayList<>(unique);
    }

    private JsonNode quarantine(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "limit");
        ArrayNode bodies = ApiJson.array();
        eventLog.quarantined(params.limit()).forEach(q -> bodies.add(ApiJson.quarantined(q)));
        ObjectNode node = ApiJson.object();
        node.set("quarantined", bodies);
        return node;
    }
}
