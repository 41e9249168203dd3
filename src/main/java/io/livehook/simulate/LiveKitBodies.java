package io.livehook.simulate;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Webhook bodies as LiveKit's Go protojson writes them: lowerCamelCase keys in declaration order, enums by
 * name, 64-bit integers as strings, 32-bit ones as numbers, zero values left out. One server build writes
 * {@code ", "} between members and another {@code ","} (protojson's deliberate instability), so each simulated
 * room is written in one of the two styles. Tests build the bodies they need from the same pieces ({@link Obj}
 * and the static shapes below).
 */
public final class LiveKitBodies {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CODECS = List.of("audio/opus", "audio/red", "video/VP8", "video/H264", "video/VP9",
            "video/AV1", "video/rtx");

    private final ObjectWriter writer;

    LiveKitBodies(boolean spaceAfterComma) {
        this.writer = JSON.writer(spaceAfterComma ? new SpaceAfterComma() : new MinimalPrettyPrinter());
    }

    /** A JSON object under construction that leaves out zero values as protojson does. */
    public static final class Obj {
        /** The members so far, in order; a nested object is its own map. */
        public final Map<String, Object> fields = new LinkedHashMap<>();

        public Obj str(String key, String value) {
            if (value != null && !value.isEmpty()) {
                fields.put(key, value);
            }
            return this;
        }

        /** An int64: a string (so that JavaScript does not round it), left out when 0. */
        public Obj i64(String key, long value) {
            if (value != 0) {
                fields.put(key, Long.toString(value));
            }
            return this;
        }

        /** An int32: a number, left out when 0. */
        public Obj i32(String key, int value) {
            if (value != 0) {
                fields.put(key, value);
            }
            return this;
        }

        public Obj bool(String key, boolean value) {
            if (value) {
                fields.put(key, true);
            }
            return this;
        }

        /** An enum by name, left out when it is the enum's zero value. */
        public Obj enumName(String key, String name, String zeroName) {
            if (name != null && !name.equals(zeroName)) {
                fields.put(key, name);
            }
            return this;
        }

        public Obj obj(String key, Obj value) {
            if (value != null && !value.fields.isEmpty()) {
                fields.put(key, value.fields);
            }
            return this;
        }

        public Obj list(String key, List<Obj> values) {
            if (!values.isEmpty()) {
                fields.put(key, values.stream().map(v -> v.fields).toList());
            }
            return this;
        }

        /** Anything else, as is (for fields this schema does not know, numbers where strings are usual...). */
        public Obj raw(String key, Object value) {
            fields.put(key, value);
            return this;
        }

        public String json() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        public byte[] bytes() {
            return write(JSON.writer());
        }

        byte[] write(ObjectWriter writer) {
            try {
                return writer.writeValueAsBytes(fields);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a tree of strings and numbers always serializes", e);
            }
        }
    }

    // -- the shapes tests start from -------------------------------------------------------------------

    /** The envelope: {@code event}, {@code id}, {@code createdAt} (seconds). */
    public static Obj event(String id, String type, long createdAtS) {
        return new Obj().str("event", type).str("id", id).i64("createdAt", createdAtS);
    }

    /** A full SimulatedRoom, as room_* and participant_* events carry it. */
    public static Obj room(String sid, String name, long creationTimeMs) {
        return new Obj().str("sid", sid).str("name", name).raw("emptyTimeout", 300).raw("departureTimeout", 20)
                .i64("creationTime", creationTimeMs / 1000).i64("creationTimeMs", creationTimeMs)
                .str("turnPassword", "x").obj("version", new Obj().i64("unixMicro", creationTimeMs * 1000));
    }

    /** The partial SimulatedRoom of track and egress events: sid and name only. */
    public static Obj partialRoom(String sid, String name) {
        return new Obj().str("sid", sid).str("name", name);
    }

    /** A full ParticipantInfo; {@code state} JOINING is left out, as LiveKit does. */
    public static Obj participant(String sid, String identity, String state, long joinedAtMs) {
        return new Obj().str("sid", sid).str("identity", identity).enumName("state", state, "JOINING")
                .i64("joinedAt", joinedAtMs / 1000).i64("joinedAtMs", joinedAtMs)
                .raw("permission", Map.of("canSubscribe", true, "canPublish", true, "canPublishData", true));
    }

    /** The partial ParticipantInfo of track events: sid and identity only. */
    public static Obj partialParticipant(String sid, String identity) {
        return new Obj().str("sid", sid).str("identity", identity);
    }

    /** A TrackInfo; type AUDIO and source UNKNOWN are zero values and left out. */
    public static Obj track(String sid, String type, String source) {
        return new Obj().str("sid", sid).enumName("type", type, "AUDIO").enumName("source", source, "UNKNOWN")
                .str("mimeType", "VIDEO".equals(type) ? "video/VP8" : "audio/opus").str("mid", "0");
    }

    /** An EgressInfo; status EGRESS_STARTING is the zero value and left out. Times in nanoseconds. */
    public static Obj egress(String egressId, String roomSid, String roomName, String status, long startedAtNs,
            long endedAtNs, long updatedAtNs) {
        return new Obj().str("egressId", egressId).str("roomId", roomSid).str("roomName", roomName)
                .enumName("status", status, SimulatedEgress.STARTING).i64("startedAt", startedAtNs)
                .i64("endedAt", endedAtNs).i64("updatedAt", updatedAtNs)
                .raw("roomComposite", Map.of("roomName", roomName, "layout", "grid"));
    }

    /** An IngressInfo; status ENDPOINT_INACTIVE is the zero value and left out. Times in nanoseconds. */
    public static Obj ingress(String ingressId, String roomName, String identity, String status, long startedAtNs,
            long endedAtNs, long updatedAtNs) {
        return new Obj().str("ingressId", ingressId).str("name", "obs").str("streamKey", "sk")
                .str("url", "rtmp://ingress").str("roomName", roomName).str("participantIdentity", identity)
                .obj("state", new Obj().enumName("status", status, "ENDPOINT_INACTIVE").i64("startedAt", startedAtNs)
                        .i64("endedAt", endedAtNs).i64("updatedAt", updatedAtNs));
    }

    // -- what the simulator sends ----------------------------------------------------------------------

    byte[] roomStarted(String id, Instant at, SimulatedRoom room) {
        return write("room_started", id, at, fullRoom(room, 0, 0), null, null, null);
    }

    byte[] roomFinished(String id, Instant at, SimulatedRoom room) {
        return write("room_finished", id, at, fullRoom(room, 0, 0), null, null, null);
    }

    byte[] participantJoined(String id, Instant at, SimulatedRoom room, int present, int publishers, Participant participant) {
        return write("participant_joined", id, at, fullRoom(room, present, publishers),
                participant(participant, "ACTIVE", null, 1), null, null);
    }

    byte[] participantLeft(String id, Instant at, SimulatedRoom room, int present, int publishers, Participant participant,
            String disconnectReason, int version) {
        return write("participant_left", id, at, fullRoom(room, present, publishers),
                participant(participant, "DISCONNECTED", disconnectReason, version), null, null);
    }

    /** The participant never finished connecting: still JOINING, LiveKit's zero state, so no {@code state}. */
    byte[] participantConnectionAborted(String id, Instant at, SimulatedRoom room, int present, int publishers,
            Participant participant, String disconnectReason) {
        return write("participant_connection_aborted", id, at, fullRoom(room, present, publishers),
                participant(participant, "JOINING", disconnectReason, 0), null, null);
    }

    byte[] trackPublished(String id, Instant at, SimulatedRoom room, Participant participant, SimulatedTrack track) {
        return write("track_published", id, at, partialRoom(room), partialParticipant(participant), null, track(track));
    }

    byte[] trackUnpublished(String id, Instant at, SimulatedRoom room, Participant participant, SimulatedTrack track) {
        return write("track_unpublished", id, at, partialRoom(room), partialParticipant(participant), null, track(track));
    }

    byte[] egress(String event, String id, Instant at, SimulatedRoom room, SimulatedEgress egress) {
        return write(event, id, at, partialRoom(room), null, egressInfo(egress), null);
    }

    private byte[] write(String event, String id, Instant at, Obj room, Obj participant, Obj egressInfo, Obj track) {
        // WebhookEvent's declaration order: room, participant, egress_info, ingress_info, track, id, created_at.
        return new Obj().str("event", event).obj("room", room).obj("participant", participant)
                .obj("egressInfo", egressInfo).obj("track", track).str("id", id).i64("createdAt", at.getEpochSecond())
                .write(writer);
    }

    private static Obj fullRoom(SimulatedRoom room, int present, int publishers) {
        return new Obj().str("sid", room.sid()).str("name", room.name())
                .i32("emptyTimeout", room.emptyTimeout())
                .i32("departureTimeout", room.departureTimeout())
                .i32("maxParticipants", room.maxParticipants())
                .i64("creationTime", room.createdAt().getEpochSecond())
                .i64("creationTimeMs", room.createdAt().toEpochMilli())
                .list("enabledCodecs", CODECS.stream().map(mime -> new Obj().str("mime", mime)).toList())
                .i32("numParticipants", present)
                .i32("numPublishers", publishers);
    }

    private static Obj partialRoom(SimulatedRoom room) {
        return partialRoom(room.sid(), room.name());
    }

    private static Obj participant(Participant p, String state, String disconnectReason, int version) {
        return new Obj().str("sid", p.sid()).str("identity", p.identity()).enumName("state", state, "JOINING")
                .str("metadata", p.metadata())
                .i64("joinedAt", p.joinedAt().getEpochSecond())
                .str("name", p.name())
                .i32("version", version)
                .obj("permission", new Obj().bool("canSubscribe", true).bool("canPublish", true)
                        .bool("canPublishData", true))
                .enumName("kind", p.kind(), "STANDARD")
                .enumName("disconnectReason", disconnectReason, "UNKNOWN_REASON")
                .i64("joinedAtMs", p.joinedAt().toEpochMilli());
    }

    private static Obj partialParticipant(Participant p) {
        return partialParticipant(p.sid(), p.identity());
    }

    private static Obj track(SimulatedTrack t) {
        Obj node = new Obj().str("sid", t.sid()).enumName("type", t.source().type(), "AUDIO").str("name", t.name())
                .i32("width", t.width()).i32("height", t.height()).bool("simulcast", t.simulcast())
                .enumName("source", t.source().name(), "UNKNOWN");
        if (t.simulcast()) {
            // LOW is VideoQuality's zero value: the first layer has no "quality".
            node.list("layers", List.of(layer(null, t.width() / 4, t.height() / 4, 150_000),
                    layer("MEDIUM", t.width() / 2, t.height() / 2, 500_000),
                    layer("HIGH", t.width(), t.height(), 1_700_000)));
        }
        return node.str("mimeType", t.mimeType())
                .str("mid", Integer.toString(Math.floorMod(t.sid().hashCode(), 8)))
                .str("stream", t.source().name().toLowerCase(Locale.ROOT))
                .obj("version", new Obj().i64("unixMicro", t.publishedAt().getEpochSecond() * 1_000_000
                        + t.publishedAt().getNano() / 1_000));
    }

    private static Obj layer(String quality, int width, int height, int bitrate) {
        return new Obj().enumName("quality", quality, "LOW").i32("width", width).i32("height", height)
                .i32("bitrate", bitrate);
    }

    private static Obj egressInfo(SimulatedEgress e) {
        Obj node = new Obj().str("egressId", e.egressId()).str("roomId", e.roomSid()).str("roomName", e.roomName())
                .enumName("status", e.status(), SimulatedEgress.STARTING)
                .i64("startedAt", nanos(e.startedAt()))
                .i64("endedAt", nanos(e.endedAt()))
                .i64("updatedAt", nanos(e.updatedAt()))
                .str("error", e.error())
                .obj("roomComposite", new Obj().str("roomName", e.roomName()).str("layout", "grid")
                        .list("fileOutputs", List.of(new Obj().str("fileType", "MP4").str("filepath", e.filename()))));
        if (e.status().equals(SimulatedEgress.COMPLETE) || e.status().equals(SimulatedEgress.LIMIT_REACHED)) {
            node.list("fileResults", List.of(new Obj().str("filename", e.filename())
                    .i64("startedAt", nanos(e.startedAt()))
                    .i64("endedAt", nanos(e.endedAt()))
                    .i64("duration", nanos(e.endedAt()) - nanos(e.startedAt()))
                    .i64("size", e.size())
                    .str("location", "s3://livehook-sim/" + e.filename())));
        }
        return node;
    }

    private static long nanos(Instant at) {
        return at == null ? 0 : at.getEpochSecond() * 1_000_000_000L + at.getNano();
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
