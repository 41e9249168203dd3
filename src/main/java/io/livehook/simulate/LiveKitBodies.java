package io.livehook.simulate;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Webhook bodies as LiveKit's Go protojson writes them: lowerCamelCase keys in declaration order, enums by
 * name, 64-bit integers as strings, 32-bit ones as numbers, zero values left out. One server build writes
 * {@code ", "} between members and another {@code ","} (protojson's deliberate instability), so each room
 * is written in one of the two styles.
 */
final class LiveKitBodies {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CODECS = List.of("audio/opus", "audio/red", "video/VP8", "video/H264", "video/VP9",
            "video/AV1", "video/rtx");

    private final ObjectWriter writer;

    LiveKitBodies(boolean spaceAfterComma) {
        this.writer = JSON.writer(spaceAfterComma ? new SpaceAfterComma() : new MinimalPrettyPrinter());
    }

    byte[] roomStarted(String id, Instant at, Room room) {
        return write("room_started", id, at, fullRoom(room, 0, 0), null, null, null);
    }

    byte[] roomFinished(String id, Instant at, Room room) {
        return write("room_finished", id, at, fullRoom(room, 0, 0), null, null, null);
    }

    byte[] participantJoined(String id, Instant at, Room room, int present, int publishers, Participant participant) {
        return write("participant_joined", id, at, fullRoom(room, present, publishers),
                participant(participant, "ACTIVE", null, 1), null, null);
    }

    byte[] participantLeft(String id, Instant at, Room room, int present, int publishers, Participant participant,
            String disconnectReason, int version) {
        return write("participant_left", id, at, fullRoom(room, present, publishers),
                participant(participant, "DISCONNECTED", disconnectReason, version), null, null);
    }

    /** The participant never finished connecting: still JOINING, LiveKit's zero state, so no {@code state}. */
    byte[] participantConnectionAborted(String id, Instant at, Room room, int present, int publishers,
            Participant participant, String disconnectReason) {
        return write("participant_connection_aborted", id, at, fullRoom(room, present, publishers),
                participant(participant, "JOINING", disconnectReason, 0), null, null);
    }

    byte[] trackPublished(String id, Instant at, Room room, Participant participant, Track track) {
        return write("track_published", id, at, partialRoom(room), partialParticipant(participant), null, track(track));
    }

    byte[] trackUnpublished(String id, Instant at, Room room, Participant participant, Track track) {
        return write("track_unpublished", id, at, partialRoom(room), partialParticipant(participant), null, track(track));
    }

    byte[] egress(String event, String id, Instant at, Room room, Egress egress) {
        return write(event, id, at, partialRoom(room), null, egressInfo(egress), null);
    }

    private byte[] write(String event, String id, Instant at, ObjectNode room, ObjectNode participant,
            ObjectNode egressInfo, ObjectNode track) {
        ObjectNode body = JSON.createObjectNode();
        body.put("event", event);
        // WebhookEvent's declaration order: room, participant, egress_info, ingress_info, track, id, created_at.
        putObject(body, "room", room);
        putObject(body, "participant", participant);
        putObject(body, "egressInfo", egressInfo);
        putObject(body, "track", track);
        body.put("id", id);
        int64(body, "createdAt", at.getEpochSecond());
        try {
            return writer.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serializes", e);
        }
    }

    private static ObjectNode fullRoom(Room room, int present, int publishers) {
        ObjectNode node = JSON.createObjectNode();
        string(node, "sid", room.sid());
        string(node, "name", room.name());
        int32(node, "emptyTimeout", room.emptyTimeout());
        int32(node, "departureTimeout", room.departureTimeout());
        int32(node, "maxParticipants", room.maxParticipants());
        int64(node, "creationTime", room.createdAt().getEpochSecond());
        int64(node, "creationTimeMs", room.createdAt().toEpochMilli());
        ArrayNode codecs = node.putArray("enabledCodecs");
        CODECS.forEach(mime -> codecs.addObject().put("mime", mime));
        int32(node, "numParticipants", present);
        int32(node, "numPublishers", publishers);
        return node;
    }

    private static ObjectNode partialRoom(Room room) {
        ObjectNode node = JSON.createObjectNode();
        string(node, "sid", room.sid());
        string(node, "name", room.name());
        return node;
    }

    private static ObjectNode participant(Participant p, String state, String disconnectReason, int version) {
        ObjectNode node = JSON.createObjectNode();
        string(node, "sid", p.sid());
        string(node, "identity", p.identity());
        enumName(node, "state", state, "JOINING");
        string(node, "metadata", p.metadata());
        int64(node, "joinedAt", p.joinedAt().getEpochSecond());
        string(node, "name", p.name());
        int32(node, "version", version);
        ObjectNode permission = node.putObject("permission");
        permission.put("canSubscribe", true);
        permission.put("canPublish", true);
        permission.put("canPublishData", true);
        enumName(node, "kind", p.kind(), "STANDARD");
        enumName(node, "disconnectReason", disconnectReason, "UNKNOWN_REASON");
        int64(node, "joinedAtMs", p.joinedAt().toEpochMilli());
        return node;
    }

    private static ObjectNode partialParticipant(Participant p) {
        ObjectNode node = JSON.createObjectNode();
        string(node, "sid", p.sid());
        string(node, "identity", p.identity());
        return node;
    }

    private static ObjectNode track(Track t) {
        ObjectNode node = JSON.createObjectNode();
        string(node, "sid", t.sid());
        enumName(node, "type", t.source().type(), "AUDIO");
        string(node, "name", t.name());
        int32(node, "width", t.width());
        int32(node, "height", t.height());
        bool(node, "simulcast", t.simulcast());
        enumName(node, "source", t.source().name(), "UNKNOWN");
        if (t.simulcast()) {
            ArrayNode layers = node.putArray("layers");
            // LOW is VideoQuality's zero value: the first layer has no "quality".
            layers.add(layer(null, t.width() / 4, t.height() / 4, 150_000));
            layers.add(layer("MEDIUM", t.width() / 2, t.height() / 2, 500_000));
            layers.add(layer("HIGH", t.width(), t.height(), 1_700_000));
        }
        string(node, "mimeType", t.mimeType());
        string(node, "mid", Integer.toString(Math.floorMod(t.sid().hashCode(), 8)));
        string(node, "stream", t.source().name().toLowerCase(Locale.ROOT));
        ObjectNode version = node.putObject("version");
        int64(version, "unixMicro", t.publishedAt().getEpochSecond() * 1_000_000 + t.publishedAt().getNano() / 1_000);
        return node;
    }

    private static ObjectNode layer(String quality, int width, int height, int bitrate) {
        ObjectNode node = JSON.createObjectNode();
        enumName(node, "quality", quality, "LOW");
        int32(node, "width", width);
        int32(node, "height", height);
        int32(node, "bitrate", bitrate);
        return node;
    }

    private static ObjectNode egressInfo(Egress e) {
        ObjectNode node = JSON.createObjectNode();
        string(node, "egressId", e.egressId());
        string(node, "roomId", e.roomSid());
        string(node, "roomName", e.roomName());
        enumName(node, "status", e.status(), Egress.STARTING);
        int64(node, "startedAt", nanos(e.startedAt()));
        int64(node, "endedAt", nanos(e.endedAt()));
        int64(node, "updatedAt", nanos(e.updatedAt()));
        string(node, "error", e.error());
        ObjectNode composite = node.putObject("roomComposite");
        string(composite, "roomName", e.roomName());
        string(composite, "layout", "grid");
        composite.putArray("fileOutputs").addObject().put("fileType", "MP4").put("filepath", e.filename());
        if (e.status().equals(Egress.COMPLETE) || e.status().equals(Egress.LIMIT_REACHED)) {
            ObjectNode file = node.putArray("fileResults").addObject();
            string(file, "filename", e.filename());
            int64(file, "startedAt", nanos(e.startedAt()));
            int64(file, "endedAt", nanos(e.endedAt()));
            int64(file, "duration", nanos(e.endedAt()) - nanos(e.startedAt()));
            int64(file, "size", e.size());
            string(file, "location", "s3://livehook-sim/" + e.filename());
        }
        return node;
    }

    private static long nanos(Instant at) {
        return at == null ? 0 : at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }

    private static void putObject(ObjectNode parent, String field, ObjectNode child) {
        if (child != null) {
            parent.set(field, child);
        }
    }

    private static void string(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }

    /** protojson writes int64 as a JSON string so that JavaScript does not round it. */
    private static void int64(ObjectNode node, String field, long value) {
        if (value != 0) {
            node.put(field, Long.toString(value));
        }
    }

    private static void int32(ObjectNode node, String field, int value) {
        if (value != 0) {
            node.put(field, value);
        }
    }

    private static void bool(ObjectNode node, String field, boolean value) {
        if (value) {
            node.put(field, true);
        }
    }

    private static void enumName(ObjectNode node, String field, String value, String zero) {
        if (value != null && !value.equals(zero)) {
            node.put(field, value);
        }
    }

    /** The server builds whose protojson puts a space after every comma (and nowhere else). */
    private static final class SpaceAfterComma extends MinimalPrettyPrinter {
        @Override
        public void writeObjectEntrySeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(", ");
        }
    }
}
