package io.livehook.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.client.LivehookApiException;
import io.livehook.client.LivehookClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of livehook's state a run can be checked against, read from the room documents of its query API
 * ({@code GET /api/rooms/{sid}}): rooms by sid, participant sessions by sid, tracks by sid (with their owner),
 * egresses by id (with their status). Only open or ended is kept of the others: times and sources legitimately differ from the simulator's (a session livehook ended by
 * room_finished or by reconciliation is as ended as one that got its participant_left).
 */
public record LivehookState(Map<String, RoomView> rooms, Map<String, SessionView> sessions,
        Map<String, TrackView> tracks, Map<String, EgressView> egresses) {

    public record RoomView(String sid, String name, boolean active) {}

    /** {@code identity} is null when livehook does not know it. */
    public record SessionView(String sid, String roomName, String identity, boolean open) {}

    /** {@code participantSid} is null when livehook does not know whose it is. */
    public record TrackView(String sid, String roomName, String participantSid, boolean open) {}

    /** {@code status} is LiveKit's EgressStatus name as livehook last heard it. */
    public record EgressView(String egressId, String roomName, String status) {}

    public LivehookState {
        rooms = Collections.unmodifiableMap(new LinkedHashMap<>(rooms));
        sessions = Collections.unmodifiableMap(new LinkedHashMap<>(sessions));
        tracks = Collections.unmodifiableMap(new LinkedHashMap<>(tracks));
        egresses = Collections.unmodifiableMap(new LinkedHashMap<>(egresses));
    }

    /** livehook's view of the run's rooms, through its query API; a room livehook does not know is simply absent. */
    public static LivehookState read(LivehookClient api, GroundTruth truth) throws LivehookApiException {
        List<JsonNode> documents = new ArrayList<>();
        for (GroundTruth.RoomState room : truth.rooms().values()) {
            api.find("/api/rooms/" + LivehookClient.segment(room.room().sid())).ifPresent(documents::add);
        }
        try {
            return fromRoomDocuments(documents);
        } catch (IllegalArgumentException e) {
            throw new LivehookApiException.NotLivehook(api.base() + " does not answer like livehook's query API: "
                    + e.getMessage());
        }
    }

    /** From room documents as {@code /api/rooms/{sid}} answers them; a malformed one is an error. */
    public static LivehookState fromRoomDocuments(List<JsonNode> documents) {
        Map<String, RoomView> rooms = new LinkedHashMap<>();
        Map<String, SessionView> sessions = new LinkedHashMap<>();
        Map<String, TrackView> tracks = new LinkedHashMap<>();
        Map<String, EgressView> egresses = new LinkedHashMap<>();
        for (JsonNode room : documents) {
            String name = text(room, "name", "room");
            String roomSid = text(room, "sid", "room " + name);
            rooms.put(roomSid, new RoomView(roomSid, name, "active".equals(text(room, "status", "room " + name))));
            for (JsonNode s : array(room, "sessions", name)) {
                String sid = text(s, "sid", "a session of room " + name);
                sessions.put(sid, new SessionView(sid, name, s.path("identity").textValue(),
                        bool(s, "open", "session " + sid)));
            }
            for (JsonNode t : array(room, "tracks", name)) {
                String sid = text(t, "sid", "a track of room " + name);
                tracks.put(sid, new TrackView(sid, name, t.path("participant_sid").textValue(),
                        bool(t, "open", "track " + sid)));
            }
            for (JsonNode e : array(room, "egress", name)) {
                String id = text(e, "egress_id", "an egress of room " + name);
                egresses.put(id, new EgressView(id, name, text(e, "status", "egress " + id)));
            }
        }
        return new LivehookState(rooms, sessions, tracks, egresses);
    }

    private static String text(JsonNode node, String field, String what) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(what + " has no text field \"" + field + "\": not a livehook room document");
        }
        return value.asText();
    }

    private static boolean bool(JsonNode node, String field, String what) {
        JsonNode value = node.get(field);
        if (value == null || !value.isBoolean()) {
            throw new IllegalArgumentException(what + " has no boolean field \"" + field + "\": not a livehook room document");
        }
        return value.asBoolean();
    }

    private static JsonNode array(JsonNode room, String field, String name) {
        JsonNode value = room.get(field);
        if (value == null || !value.isArray()) {
            throw new IllegalArgumentException("room " + name + " has no list \"" + field + "\": not a livehook room document");
        }
        return value;
    }
}
