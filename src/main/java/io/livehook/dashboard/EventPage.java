package io.livehook.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.livekit.BodyHash;
import io.livehook.state.DeadLetter;
import io.livehook.state.StateQueries.AnomalyRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * One event down to its bytes: what it is about, how it was verified when it arrived, what livehook made of
 * it (applied, or dead-lettered and why), the anomalies it caused, and the body exactly as received.
 */
final class EventPage {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bodies larger than this are shown cut; the API serves all of it. */
    static final int MAX_SHOWN_BYTES = 256 * 1024;

    private EventPage() {}

    /** An event as the page shows it; {@code deadLetter} set when it was not applied. */
    record Shown(
            String eventId,
            String eventType,
            Long createdAtMs,
            long receivedAtMs,
            String keyId,
            String origin,
            String queueKey,
            String roomSid,
            String roomName,
            String participantSid,
            String participantIdentity,
            String trackSid,
            int logPartition,
            long logOffset,
            byte[] body,
            DeadLetter deadLetter) {}

    static String render(Shown e, List<AnomalyRecord> anomalies, Layout.Viewer viewer) {
        return Layout.page("Event " + e.eventId(), Layout.ROOMS, viewer, h -> {
            h.open("h1").text("Event ").el("span", e.eventType(), "class", "mono").close("h1");

            h.open("p", "class", "verification", "id", "verification");
            if ("livehook".equals(e.origin())) {
                h.text("Written by livehook itself (a correction), not received from LiveKit.");
            } else {
                h.raw("&#10003; ").text("Verified with key ").el("code", e.keyId(), "id", "key-id")
                        .text(" at ingest, received " + PageText.millis(e.receivedAtMs()) + " UTC: the HS256 signature "
                                + "and its sha256 claim matched these exact bytes.");
            }
            h.close("p");

            h.open("dl", "class", "facts");
            fact(h, "event id", e.eventId());
            fact(h, "type", e.eventType());
            fact(h, "happened (createdAt)", PageText.millis(e.createdAtMs()));
            fact(h, "received", PageText.millis(e.receivedAtMs()));
            if (e.roomSid() != null || e.roomName() != null) {
                h.open("div").el("dt", "room").open("dd");
                String room = e.roomSid() != null ? e.roomSid() : e.roomName();
                h.el("a", (e.roomName() == null ? "" : e.roomName() + " ") + (e.roomSid() == null ? "" : e.roomSid()),
                        "href", Html.path(Dashboard.BASE + "/rooms", room));
                h.close("dd").close("div");
            }
            if (e.participantSid() != null || e.participantIdentity() != null) {
                fact(h, "participant", (e.participantIdentity() == null ? "" : e.participantIdentity() + " ")
                        + (e.participantSid() == null ? "" : e.participantSid()));
            }
            if (e.trackSid() != null) {
                fact(h, "track", e.trackSid());
            }
            fact(h, "queue key", e.queueKey());
            fact(h, "log position", "partition " + e.logPartition() + ", offset " + e.logOffset());
            h.open("div").el("dt", "processing").open("dd", "id", "processing");
            if (e.deadLetter() == null) {
                Layout.badge(h, "applied", "ok");
            } else {
                DeadLetter d = e.deadLetter();
                Layout.badge(h, "dead letter: " + d.status(), "dead");
                h.text(" after " + d.attempts() + " attempt" + (d.attempts() == 1 ? "" : "s") + ": ")
                        .el("span", d.error(), "class", "mono");
                h.raw(" ").el("a", "dead letters", "href", Dashboard.BASE + "/dead-letters");
            }
            h.close("dd").close("div");
            h.close("dl");

            if (!anomalies.isEmpty()) {
                h.el("h2", "Anomalies it led to");
                h.open("ul", "class", "anomalies");
                for (AnomalyRecord r : anomalies) {
                    h.open("li");
                    Layout.badge(h, r.anomaly().kind(), "anomaly");
                    h.text(" " + (r.anomaly().detail() == null ? "" : r.anomaly().detail()));
                    h.close("li");
                }
                h.close("ul");
            }

            body(h, e);
        });
    }

    private static void body(Html h, Shown e) {
        byte[] body = e.body();
        h.el("h2", "Body as received");
        if (body == null) {
            h.el("p", "The log no longer holds this event's body.", "class", "empty");
            return;
        }
        String hash = BodyHash.text(body);
        String text = utf8(body);
        h.open("p", "class", "note").text(body.length + " bytes, " + (text != null ? "UTF-8 text" : "not UTF-8 (hex)")
                + ", sha256 ").el("code", hash).text(". Shown escaped, control and direction characters as \\u{..}.");
        if (e.deadLetter() == null) {
            h.raw(" ").el("a", "Raw bytes", "href", Html.path("/api/events", e.eventId(), "raw"));
        }
        h.close("p");
        boolean cut = body.length > MAX_SHOWN_BYTES;
        h.open("pre", "class", "raw", "id", "raw-body");
        if (text != null) {
            h.visibleText(cut ? PageText.cut(text, MAX_SHOWN_BYTES) : text);
        } else {
            byte[] shown = cut ? java.util.Arrays.copyOf(body, MAX_SHOWN_BYTES) : body;
            h.text(hexDump(shown));
        }
        h.close("pre");
        if (cut) {
            h.el("p", "Cut at " + MAX_SHOWN_BYTES + " bytes.", "class", "note");
        }
        if (text != null && !cut) {
            try {
                JsonNode tree = JSON.readTree(text);
                if (tree != null && tree.isContainerNode()) {
                    h.open("details", "class", "pretty").el("summary", "Pretty-printed (for reading; not the bytes)");
                    h.open("pre", "class", "raw").visibleText(tree.toPrettyString()).close("pre");
                    h.close("details");
                }
            } catch (IOException notJson) {
                // the exact bytes above say it all
            }
        }
    }

    static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static String hexDump(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < bytes.length; i += 16) {
            out.append(String.format("%08x  ", i));
            int end = Math.min(bytes.length, i + 16);
            for (int j = i; j < i + 16; j++) {
                out.append(j < end ? hex.toHexDigits(bytes[j]) + " " : "   ");
            }
            out.append(' ');
            for (int j = i; j < end; j++) {
                int b = bytes[j] & 0xff;
                out.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static void fact(Html h, String name, String value) {
        h.open("div").el("dt", name).el("dd", value == null ? "—" : value).close("div");
    }
}
