package io.livehook.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Webhook bodies written the way LiveKit's Go protojson writes them: lowerCamelCase keys, 64-bit integers
 * as strings, 32-bit as numbers, enums by name, and every zero value (0, "", the enum's first value)
 * left out.
 */
final class LiveKitBodies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LiveKitBodies() {}

    /** A JSON object under construction that drops zero values as protojson does. */
    static final class Obj {
        final Map<String, Object> fields = new LinkedHashMap<>();

        Obj str(String key, String value) {
            if (value != null && !value.isEmpty()) {
                fields.put(key, value);
            }
            return this;
        }

        /** An int64: a string, left out when 0. */
        Obj i64(String key, long value) {
            if (value != 0) {
                fields.put(key, Long.toString(value));
            }
            return this;
        }

        /** An enum by name, left out when it is the enum's zero value. */
        Obj enumName(String key, String name, String zeroName) {
            if (name != null && !name.equals(zeroName)) {
                fields.put(key, name);
            }
            return this;
        }

        Obj obj(String key, Obj value) {
            if (value != null && !value.fields.isEmpty()) {
                fields.put(key, value.fields);
            }
            return this;
        }

        /** Anything else, as is (for fields this schema does not know, numbers where strings are usual...). */
        Obj raw(String key, Object value) {
            fields.put(key, value);
            return this;
        }

        String json() {
            try {
                return JSON.writeValueAsString(fields);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] bytes() {
            return json().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The envelope: {@code event}, {@code id}, {@code createdAt} (seconds). */
    static Obj event(String id, String type, long createdAtS) {
        return new Obj().str("event", type).str("id", id).i64("createdAt", createdAtS);
    }

    /** A full Room, as room_* and participant_* events carry it. */
    static Obj room(String sid, String name, long creationTimeMs) {
        return new Obj().str("sid", sid).str("name", name).raw("emptyTimeout", 300).raw("departureTimeout", 20)
                .i64("creationTime", creationTimeMs / 1000).i64("creationTimeMs", creationTimeMs)
                .str("turnPassword", "x").obj("version", new Obj().i64("unixMicro", creationTimeMs * 1000));
    }

    /** The partial Room of track events: sid and name only. */
    static Obj partialRoom(String sid, String name) {
        return new Obj().str("sid", sid).str("name", name);
    }

    /** A full ParticipantInfo; {@code state} JOINING is left out, as LiveKit does. */
    static Obj participant(String sid, String identity, String state, long joinedAtMs) {
        return new Obj().str("sid", sid).str("identity", identity).enumName("state", state, "JOINING")
                .i64("joinedAt", joinedAtMs / 1000).i64("joinedAtMs", joinedAtMs)
                .raw("permission", Map.of("canSubscribe", true, "canPublish", true, "canPublishData", true));
    }

    /** The partial ParticipantInfo of track events: sid and identity only. */
    static Obj partialParticipant(String sid, String identity) {
        return new Obj().str("sid", sid).str("identity", identity);
    }

    /** A TrackInfo; type AUDIO and source UNKNOWN are zero values and left out. */
    static Obj track(String sid, String type, String source) {
        return new Obj().str("sid", sid).enumName("type", type, "AUDIO").enumName("source", source, "UNKNOWN")
                .str("mimeType", "VIDEO".equals(type) ? "video/VP8" : "audio/opus").str("mid", "0");
    }

    /** An EgressInfo; status EGRESS_STARTING is the zero value and left out. Times in nanoseconds. */
    static Obj egress(String egressId, String roomSid, String roomName, String status, long startedAtNs,
            long endedAtNs, long updatedAtNs) {
        return new Obj().str("egressId", egressId).str("roomId", roomSid).str("roomName", roomName)
                .enumName("status", status, "EGRESS_STARTING").i64("startedAt", startedAtNs)
                .i64("endedAt", endedAtNs).i64("updatedAt", updatedAtNs)
                .raw("roomComposite", Map.of("roomName", roomName, "layout", "grid"));
    }

    /** An IngressInfo; status ENDPOINT_INACTIVE is the zero value and left out. Times in nanoseconds. */
    static Obj ingress(String ingressId, String roomName, String identity, String status, long startedAtNs,
            long endedAtNs, long updatedAtNs) {
        return new Obj().str("ingressId", ingressId).str("name", "obs").str("streamKey", "sk")
                .str("url", "rtmp://ingress").str("roomName", roomName).str("participantIdentity", identity)
                .obj("state", new Obj().enumName("status", status, "ENDPOINT_INACTIVE").i64("startedAt", startedAtNs)
                        .i64("endedAt", endedAtNs).i64("updatedAt", updatedAtNs));
    }
}
