package io.livehook.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.log.LoggedEvent;
import io.livehook.log.QuarantinedBody;
import io.livehook.process.LiveKitEvent;
import io.livehook.state.Anomaly;
import io.livehook.deliver.DeliveryService.DestinationSummary;
import io.livehook.reconcile.Reconciler;
import io.livehook.state.DeadLetter;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.state.DeliveryStore.DestinationFigures;
import io.livehook.state.Egress;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateChange;
import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateQueries.EventTypeCount;
import io.livehook.state.StateQueries.Page;
import io.livehook.state.StateQueries.RoomFigures;
import io.livehook.state.StateQueries.RoomSummary;
import io.livehook.state.StateQueries.SessionSpan;
import io.livehook.state.Track;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;

/**
 * The JSON shapes of the API, written out field by field so the wire format is stated here and does not
 * change by accident with a record. Names are snake_case; times are Unix milliseconds ({@code *_ms});
 * absent values are {@code null}, never omitted.
 */
public final class ApiJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private ApiJson() {}

    /** Every API answer: JSON, never cached, never sniffed as something else. */
    public static void send(ServerResponse res, Status status, Object body) {
        try {
            sendBytes(res, status, MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JSON already written, such as a webhook's body exactly as LiveKit sent it. */
    public static void sendBytes(ServerResponse res, Status status, byte[] bytes) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.send(bytes);
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    public static ObjectNode room(RoomSummary summary) {
        Room r = summary.room();
        ObjectNode node = object()
                .put("sid", r.sid())
                .put("name", r.name())
                .put("status", r.status())
                .put("started_at_ms", r.startedAtMs())
                .put("start_source", r.startSource())
                .put("finished_at_ms", r.finishedAtMs())
                .put("end_source", r.endSource())
                .put("metadata", r.metadata())
                .put("last_event_ms", r.lastEventMs());
        node.set("figures", figures(summary.figures()));
        return node;
    }

    public static ObjectNode figures(RoomFigures f) {
        ObjectNode node = object()
                .put("duration_ms", f.durationMs())
                .put("peak_participants", f.peakParticipants())
                .put("current_participants", f.currentParticipants())
                .put("sessions", f.sessions())
                .put("identities", f.identities())
                .put("participant_ms", f.participantMs())
                .put("participant_minutes", f.participantMinutes());
        ObjectNode egress = node.putObject("egress_by_status");
        for (Map.Entry<String, Long> e : f.egressByStatus().entrySet()) {
            egress.put(e.getKey(), e.getValue());
        }
        return node;
    }

    public static ObjectNode session(SessionSpan span) {
        Session s = span.session();
        return object()
                .put("sid", s.sid())
                .put("room_sid", s.roomSid())
                .put("room_name", s.roomName())
                .put("identity", s.identity())
                .put("name", s.name())
                .put("kind", s.kind())
                .put("metadata", s.metadata())
                .put("joined_at_ms", s.joinedAtMs())
                .put("start_source", s.startSource())
                .put("left_at_ms", s.leftAtMs())
                .put("end_source", s.endSource())
                .put("final_state", s.finalState())
                .put("disconnect_reason", s.disconnectReason())
                .put("open", s.open())
                .put("duration_ms", span.durationMs())
                .put("last_event_ms", s.lastEventMs());
    }

    public static ObjectNode track(Track t) {
        return object()
                .put("sid", t.sid())
                .put("participant_sid", t.participantSid())
                .put("room_sid", t.roomSid())
                .put("type", t.type())
                .put("source", t.source())
                .put("mime_type", t.mimeType())
                .put("name", t.name())
                .put("published_at_ms", t.publishedAtMs())
                .put("publish_source", t.publishSource())
                .put("unpublished_at_ms", t.unpublishedAtMs())
                .put("end_source", t.endSource())
                .put("open", t.open());
    }

    /** LiveKit gives egress times in nanoseconds; the API gives milliseconds like everywhere else. */
    public static ObjectNode egress(Egress e) {
        ObjectNode node = object()
                .put("egress_id", e.egressId())
                .put("room_sid", e.roomSid())
                .put("room_name", e.roomName())
                .put("status", e.status())
                .put("started_at_ms", nanosToMillis(e.startedAtNs()))
                .put("ended_at_ms", nanosToMillis(e.endedAtNs()))
                .put("updated_at_ms", e.updatedAtNs() / 1_000_000)
                .put("error", e.error());
        node.set("results", parsedOrText(e.results()));
        return node;
    }

    public static ObjectNode event(EventSummary e) {
        return object()
                .put("event_id", e.eventId())
                .put("type", e.eventType())
                .put("known_type", e.knownType())
                .put("created_at_ms", e.createdAtMs())
                .put("received_at_ms", e.receivedAtMs())
                .put("room_sid", e.roomSid())
                .put("room_name", e.roomName())
                .put("participant_sid", e.participantSid())
                .put("participant_identity", e.participantIdentity())
                .put("track_sid", e.trackSid())
                .put("egress_id", e.egressId())
                .put("ingress_id", e.ingressId())
                .put("origin", e.origin())
                .put("key_id", e.keyId())
                .put("queue_key", e.queueKey())
                .put("log_partition", e.logPartition())
                .put("log_offset", e.logOffset())
                .put("body_bytes", e.bodyBytes());
    }

    /**
     * An event the log holds that processing has not applied: what the log knows of it, and what its body says
     * of its room, participant and track; the rest is null.
     */
    public static ObjectNode loggedEvent(LoggedEvent e) {
        ObjectNode node = object()
                .put("event_id", e.eventId())
                .put("type", e.eventType())
                .put("known_type", LiveKitEvent.knownType(e.eventType()))
                .putNull("created_at_ms")
                .put("received_at_ms", e.receivedAt().toEpochMilli());
        try {
            var event = LiveKitEvent.parse(e);
            node.put("created_at_ms", event.event().getCreatedAt() > 0 ? event.event().getCreatedAt() * 1000 : null)
                    .put("room_sid", emptyToNull(event.roomSid()))
                    .put("room_name", emptyToNull(event.roomName()))
                    .put("participant_sid", emptyToNull(event.event().getParticipant().getSid()))
                    .put("participant_identity", emptyToNull(event.event().getParticipant().getIdentity()))
                    .put("track_sid", emptyToNull(event.event().getTrack().getSid()))
                    .put("egress_id", emptyToNull(event.event().getEgressInfo().getEgressId()))
                    .put("ingress_id", emptyToNull(event.event().getIngressInfo().getIngressId()));
        } catch (com.google.protobuf.InvalidProtocolBufferException unreadable) {
            // shown as the log has it; processing dead-letters it
        }
        return node.put("origin", e.origin().label())
                .put("key_id", e.keyId())
                .put("queue_key", e.queueKey())
                .put("log_partition", e.partition())
                .put("log_offset", e.offset())
                .put("body_bytes", e.body().length);
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }

    public static ObjectNode anomaly(AnomalyRecord record) {
        Anomaly a = record.anomaly();
        ObjectNode node = object()
                .put("id", record.id())
                .put("kind", a.kind())
                .put("room_sid", a.roomSid())
                .put("room_name", a.roomName())
                .put("participant_sid", a.participantSid())
                .put("identity", a.identity());
        ArrayNode ids = node.putArray("event_ids");
        a.eventIds().forEach(ids::add);
        return node.put("detail", a.detail()).put("at_ms", a.atMs());
    }

    public static ObjectNode eventType(EventTypeCount count) {
        return object().put("type", count.eventType()).put("known", count.known()).put("count", count.count());
    }

    public static ObjectNode deadLetter(DeadLetter d) {
        return object()
                .put("event_id", d.eventId())
                .put("event_type", d.eventType())
                .put("queue_key", d.queueKey())
                .put("status", d.status())
                .put("attempts", d.attempts())
                .put("error", d.error())
                .put("first_failed_ms", d.firstFailedMs())
                .put("last_failed_ms", d.lastFailedMs())
                .put("log_partition", d.logPartition())
                .put("log_offset", d.logOffset());
    }

    public static ObjectNode delivery(Delivery d) {
        return object()
                .put("destination", d.destination())
                .put("event_id", d.eventId())
                .put("replay", d.replay())
                .put("event_type", d.eventType())
                .put("queue_key", d.queueKey())
                .put("log_partition", d.logPartition())
                .put("log_offset", d.logOffset())
                .put("received_at_ms", d.receivedAtMs())
                .put("status", d.status())
                .put("attempts", d.attempts())
                .put("round_attempts", d.roundAttempts())
                .put("next_attempt_ms", d.nextAttemptMs())
                .put("created_ms", d.createdMs())
                .put("queued_ms", d.queuedMs())
                .put("delivered_ms", d.deliveredMs())
                .put("dead_ms", d.deadMs())
                .put("last_error", d.lastError());
    }

    public static ObjectNode deliveryAttempt(DeliveryAttempt a) {
        return object()
                .put("attempt", a.attempt())
                .put("started_ms", a.startedMs())
                .put("latency_ms", a.latencyMs())
                .put("http_status", a.httpStatus())
                .put("error", a.error())
                .put("response_snippet", a.responseSnippet())
                .put("outcome", a.outcome());
    }

    /** {@code oldest_pending_age_ms} is measured at {@code nowMs}. */
    public static ObjectNode destination(DestinationSummary s, long nowMs) {
        DestinationFigures f = s.figures();
        Long oldest = f.oldestPendingQueuedMs();
        return object()
                .put("destination", f.destination())
                .put("configured", s.configured())
                .put("pending", f.pending())
                .put("in_flight", s.inFlight())
                .put("dead", f.dead())
                .put("delivered", f.delivered())
                .put("oldest_pending_queued_ms", oldest)
                .put("oldest_pending_age_ms", oldest == null ? null : Math.max(0, nowMs - oldest))
                .put("circuit", s.circuit().orElse(null))
                .put("circuit_probe_in_ms", s.circuit().isPresent() ? s.msUntilProbe() : null)
                .put("last_error", f.lastError())
                .put("last_error_at_ms", f.lastErrorAtMs());
    }

    public static ObjectNode reconcileSummary(Reconciler.Summary s) {
        ObjectNode node = object()
                .put("started_at_ms", s.startedAtMs())
                .put("duration_ms", s.durationMs())
                .put("rooms_checked", s.roomsChecked())
                .put("participants_listed", s.participantsListed())
                .put("requests", s.requests())
                .put("deferred", s.deferred());
        ArrayNode corrections = node.putArray("corrections");
        for (Reconciler.Done c : s.corrections()) {
            corrections.addObject()
                    .put("kind", c.kind())
                    .put("event_id", c.eventId())
                    .put("room", c.room())
                    .put("room_sid", c.roomSid())
                    .put("participant_sid", c.participantSid())
                    .put("identity", c.identity())
                    .put("track_sid", c.trackSid())
                    .put("at_ms", c.atMs());
        }
        return node;
    }

    public static ObjectNode stateChange(StateChange c) {
        return object()
                .put("id", c.id())
                .put("kind", c.kind())
                .put("room", c.roomName())
                .put("room_sid", c.roomSid())
                .put("participant_sid", c.participantSid())
                .put("identity", c.identity())
                .put("track_sid", c.trackSid())
                .put("source", c.source())
                .put("event_id", c.eventId())
                .put("at_ms", c.atMs());
    }

    public static ObjectNode quarantined(QuarantinedBody q) {
        ObjectNode node = object()
                .put("id", q.id())
                .put("received_at_ms", q.receivedAt().toEpochMilli())
                .put("key_id", q.keyId())
                .put("reason", q.reason());
        return withBody(node, q.body());
    }

    /** Adds {@code body_encoding} ("utf-8" or "base64") and {@code body}: text when the bytes are UTF-8. */
    public static ObjectNode withBody(ObjectNode node, byte[] body) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
            return node.put("body_encoding", "utf-8").put("body", text);
        } catch (CharacterCodingException e) {
            return node.put("body_encoding", "base64").put("body", Base64.getEncoder().encodeToString(body));
        }
    }

    /** A page of a list: its items under {@code field}, and {@code next_cursor} (null on the last page). */
    static <T> ObjectNode page(String field, Page<T> page, Function<T, ObjectNode> item, Function<T, String> cursor) {
        ObjectNode node = object();
        ArrayNode items = node.putArray(field);
        page.items().forEach(i -> items.add(item.apply(i)));
        return node.put("next_cursor", nextCursor(page, cursor));
    }

    static <T> String nextCursor(Page<T> page, Function<T, String> cursor) {
        return page.more() ? page.last().map(cursor).orElse(null) : null;
    }

    private static Long nanosToMillis(Long nanos) {
        return nanos == null ? null : nanos / 1_000_000;
    }

    private static JsonNode parsedOrText(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return MAPPER.getNodeFactory().textNode(json);
        }
    }
}
