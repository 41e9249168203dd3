package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livehook.testing.LivehookFixture;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query API against a real livehook fed one known story through its webhook endpoint:
 *
 * <pre>
 * room "standup" RM_1, started at T0 (every time below is T0 + seconds, in createdAt and joinedAt):
 *   +10 alice joins (PA_a1)             +20 bob joins (PA_b1, non-ASCII name, ", " separators)
 *   +30 alice publishes mic TR_a1       +40 bob publishes camera TR_b1
 *   +70 alice reconnects (PA_a2)        +75 TR_a1 unpublished    +80 PA_a1 leaves
 *   +90 egress EG_1 starting            +100 TR_c1 published by carol, never seen joining -> anomaly
 *   +110 room_metadata_changed (an event type livehook does not know)
 *   +120 agent_job_started (unknown too, and about no room)
 *   +150 EG_1 complete                  +190 TR_b1 unpublished   +200 bob leaves
 *   +300 room_finished: PA_a2 and PA_c1 still open -> ended by it, two anomalies
 * room "standup" again, RM_2, started +1000; dave joins +1010 and stays.
 * a participant_joined whose createdAt is not a number (dead-lettered), two unreadable signed bodies
 * (quarantined).
 * </pre>
 *
 * Figures by hand for RM_1: duration 300 s; sessions PA_a1 10->80 = 70 s, PA_b1 20->200 = 180 s,
 * PA_a2 70->300 = 230 s, PA_c1 100->300 = 200 s, so 680 s = 680000 participant-ms; peak 3 (alice, bob,
 * carol at +100; alice's two connections count once at +70).
 */
class QueryApiTest {
    static final long T0 = 1_700_000_000L;
    static final String TOKEN = "query-api-test-token-0123456789abcdef";
    static final String ROOM1 = "\"room\":{\"sid\":\"RM_1\",\"name\":\"standup\"}";
    static final String BOB_JOIN = "{\"id\": \"EV_jb1\", \"event\": \"participant_joined\", "
            + "\"room\": {\"sid\": \"RM_1\", \"name\": \"standup\"}, "
            + "\"participant\": {\"sid\": \"PA_b1\", \"identity\": \"bob\", \"name\": \"Bøb 🎉 Ünïcødé\", "
            + "\"state\": \"ACTIVE\", \"joinedAt\": \"" + (T0 + 20) + "\", \"metadata\": \"{\\\"lang\\\":\\\"日本語\\\"}\"}, "
            + "\"createdAt\": \"" + (T0 + 20) + "\"}";
    static final String BAD_EVENT = "{\"id\":\"EV_bad\",\"event\":\"participant_joined\",\"createdAt\":\"not-a-number\","
            + "\"room\":{\"name\":\"standup\"}}";
    static final List<String> POSTED = new ArrayList<>();

    @TempDir
    static Path dataDir;
    static LivehookFixture server;
    static long startedMs;
    static long postedMs;

    @BeforeAll
    static void feedTheStory() throws InterruptedException {
        server = LivehookFixture.in(dataDir).token(TOKEN).dev(false).start();
        startedMs = System.currentTimeMillis();
        post(event("EV_rs1", "room_started", 0, "\"room\":{\"sid\":\"RM_1\",\"name\":\"standup\",\"creationTime\":\""
                + T0 + "\"}"));
        post(event("EV_ja1", "participant_joined", 10, ROOM1 + "," + participant("PA_a1", "alice", "Alice", 10)));
        post(BOB_JOIN);
        post(event("EV_pa1", "track_published", 30, ROOM1 + ",\"participant\":{\"sid\":\"PA_a1\",\"identity\":\"alice\"},"
                + "\"track\":{\"sid\":\"TR_a1\",\"source\":\"MICROPHONE\",\"mimeType\":\"audio/opus\",\"name\":\"mic\"}"));
        post(event("EV_pb1", "track_published", 40, ROOM1 + ",\"participant\":{\"sid\":\"PA_b1\",\"identity\":\"bob\"},"
                + "\"track\":{\"sid\":\"TR_b1\",\"type\":\"VIDEO\",\"source\":\"CAMERA\",\"mimeType\":\"video/vp8\","
                + "\"name\":\"cam\"}"));
        post(event("EV_ja2", "participant_joined", 70, ROOM1 + "," + participant("PA_a2", "alice", "Alice", 70)));
        post(event("EV_ua1", "track_unpublished", 75, ROOM1 + ",\"participant\":{\"sid\":\"PA_a1\",\"identity\":\"alice\"},"
                + "\"track\":{\"sid\":\"TR_a1\",\"source\":\"MICROPHONE\"}"));
        post(event("EV_la1", "participant_left", 80, ROOM1 + ",\"participant\":{\"sid\":\"PA_a1\",\"identity\":\"alice\","
                + "\"name\":\"Alice\",\"state\":\"DISCONNECTED\",\"disconnectReason\":\"CLIENT_INITIATED\"}"));
        post(event("EV_eg1", "egress_started", 90, "\"egressInfo\":{\"egressId\":\"EG_1\",\"roomId\":\"RM_1\","
                + "\"roomName\":\"standup\",\"updatedAt\":\"" + (T0 + 90) * 1_000_000_000L + "\"}"));
        post(event("EV_pc1", "track_published", 100, ROOM1 + ",\"participant\":{\"sid\":\"PA_c1\",\"identity\":\"carol\"},"
                + "\"track\":{\"sid\":\"TR_c1\",\"source\":\"SCREEN_SHARE_AUDIO\",\"mimeType\":\"audio/opus\","
                + "\"name\":\"screen audio\"}"));
        post(event("EV_meta", "room_metadata_changed", 110,
                "\"room\":{\"sid\":\"RM_1\",\"name\":\"standup\",\"metadata\":\"new topic\"}"));
        post(event("EV_job", "agent_job_started", 120, "\"job\":{\"id\":\"AJ_1\",\"room\":{\"sid\":\"RM_1\"}}"));
        post(event("EV_eg2", "egress_ended", 150, "\"egressInfo\":{\"egressId\":\"EG_1\",\"roomId\":\"RM_1\","
                + "\"roomName\":\"standup\",\"status\":\"EGRESS_COMPLETE\",\"startedAt\":\"" + (T0 + 90) * 1_000_000_000L
                + "\",\"endedAt\":\"" + (T0 + 150) * 1_000_000_000L + "\",\"updatedAt\":\""
                + (T0 + 150) * 1_000_000_000L + "\",\"fileResults\":[{\"filename\":\"standup.mp4\",\"size\":\"1024\"}]}"));
        post(event("EV_ub1", "track_unpublished", 190, ROOM1 + ",\"participant\":{\"sid\":\"PA_b1\",\"identity\":\"bob\"},"
                + "\"track\":{\"sid\":\"TR_b1\",\"type\":\"VIDEO\",\"source\":\"CAMERA\"}"));
        post(event("EV_lb1", "participant_left", 200, ROOM1 + ",\"participant\":{\"sid\":\"PA_b1\",\"identity\":\"bob\","
                + "\"state\":\"DISCONNECTED\",\"disconnectReason\":\"PARTICIPANT_REMOVED\"}"));
        post(event("EV_rf1", "room_finished", 300, "\"room\":{\"sid\":\"RM_1\",\"name\":\"standup\",\"creationTime\":\""
                + T0 + "\"}"));
        post(event("EV_rs2", "room_started", 1000, "\"room\":{\"sid\":\"RM_2\",\"name\":\"standup\",\"creationTime\":\""
                + (T0 + 1000) + "\"}"));
        post(event("EV_jd1", "participant_joined", 1010, "\"room\":{\"sid\":\"RM_2\",\"name\":\"standup\"},"
                + participant("PA_d1", "dave", "Dave", 1010)));
        assertThat(server.webhook(BAD_EVENT)).isEqualTo(200);
        assertThat(server.webhook("this is not json")).isEqualTo(202);
        assertThat(server.webhook(new byte[] {'{', (byte) 0xff, (byte) 0xfe})).isEqualTo(202);
        server.awaitCaughtUp();
        postedMs = System.currentTimeMillis();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void post(String body) {
        assertThat(server.webhook(body)).as("webhook %s", body).isEqualTo(200);
        POSTED.add(body);
    }

    private static String event(String id, String type, int atSeconds, String fields) {
        return "{\"id\":\"" + id + "\",\"event\":\"" + type + "\",\"createdAt\":\"" + (T0 + atSeconds) + "\"," + fields
                + "}";
    }

    private static String participant(String sid, String identity, String name, int joinedAtSeconds) {
        return "\"participant\":{\"sid\":\"" + sid + "\",\"identity\":\"" + identity + "\",\"name\":\"" + name
                + "\",\"state\":\"ACTIVE\",\"joinedAt\":\"" + (T0 + joinedAtSeconds) + "\"}";
    }

    /** Expected JSON with {@code @N} standing for T0 + N seconds in milliseconds. */
    private static JsonNode expected(String template) {
        Matcher m = Pattern.compile("@(\\d+)").matcher(template);
        StringBuilder json = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(json, Long.toString((T0 + Long.parseLong(m.group(1))) * 1000));
        }
        m.appendTail(json);
        try {
            return new ObjectMapper().readTree(json.toString());
        } catch (Exception e) {
            throw new AssertionError("bad expected JSON: " + json, e);
        }
    }

    private static void assertJson(JsonNode actual, JsonNode expected) {
        assertThat(actual.toPrettyString()).isEqualTo(expected.toPrettyString());
    }

    private static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.get(field).asText()).toList();
    }

    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    // -- rooms ---------------------------------------------------------------------------------------

    static final String RM_1_SUMMARY = """
            "sid": "RM_1", "name": "standup", "status": "finished",
            "started_at_ms": @0, "start_source": "room_started",
            "finished_at_ms": @300, "end_source": "room_finished",
            "metadata": "", "last_event_ms": @300,
            "figures": {
              "duration_ms": 300000, "peak_participants": 3, "current_participants": 0,
              "sessions": 4, "identities": 3, "participant_ms": 680000,
              "participant_minutes": MINUTES,
              "egress_by_status": {"EGRESS_COMPLETE": 1}
            }
            """.replace("MINUTES", Double.toString(680_000 / 60_000.0));

    @Test
    void finishedRoomByItsSidWithSessionsTracksEgressAndFigures() {
        JsonNode room = server.json("/api/rooms/RM_1");
        assertJson(room, expected("{" + RM_1_SUMMARY + """
                ,
                "current_participants": [],
                "sessions": [
                  {"sid": "PA_a1", "room_sid": "RM_1", "room_name": "standup", "identity": "alice", "name": "Alice",
                   "kind": "STANDARD", "metadata": "", "joined_at_ms": @10, "start_source": "participant_joined",
                   "left_at_ms": @80, "end_source": "participant_left", "final_state": "DISCONNECTED",
                   "disconnect_reason": "CLIENT_INITIATED", "open": false, "duration_ms": 70000, "last_event_ms": @80},
                  {"sid": "PA_b1", "room_sid": "RM_1", "room_name": "standup", "identity": "bob",
                   "name": "Bøb 🎉 Ünïcødé", "kind": "STANDARD", "metadata": "{\\"lang\\":\\"日本語\\"}",
                   "joined_at_ms": @20, "start_source": "participant_joined",
                   "left_at_ms": @200, "end_source": "participant_left", "final_state": "DISCONNECTED",
                   "disconnect_reason": "PARTICIPANT_REMOVED", "open": false, "duration_ms": 180000,
                   "last_event_ms": @200},
                  {"sid": "PA_a2", "room_sid": "RM_1", "room_name": "standup", "identity": "alice", "name": "Alice",
                   "kind": "STANDARD", "metadata": "", "joined_at_ms": @70, "start_source": "participant_joined",
                   "left_at_ms": @300, "end_source": "room_finished", "final_state": "ACTIVE",
                   "disconnect_reason": null, "open": false, "duration_ms": 230000, "last_event_ms": @300},
                  {"sid": "PA_c1", "room_sid": "RM_1", "room_name": "standup", "identity": "carol", "name": "",
                   "kind": "STANDARD", "metadata": "", "joined_at_ms": @100, "start_source": "inferred",
                   "left_at_ms": @300, "end_source": "room_finished", "final_state": null,
                   "disconnect_reason": null, "open": false, "duration_ms": 200000, "last_event_ms": @300}
                ],
                "tracks": [
                  {"sid": "TR_a1", "participant_sid": "PA_a1", "room_sid": "RM_1", "type": "AUDIO",
                   "source": "MICROPHONE", "mime_type": "audio/opus", "name": "mic", "published_at_ms": @30,
                   "publish_source": "track_published", "unpublished_at_ms": @75, "end_source": "track_unpublished",
                   "open": false},
                  {"sid": "TR_b1", "participant_sid": "PA_b1", "room_sid": "RM_1", "type": "VIDEO",
                   "source": "CAMERA", "mime_type": "video/vp8", "name": "cam", "published_at_ms": @40,
                   "publish_source": "track_published", "unpublished_at_ms": @190, "end_source": "track_unpublished",
                   "open": false},
                  {"sid": "TR_c1", "participant_sid": "PA_c1", "room_sid": "RM_1", "type": "AUDIO",
                   "source": "SCREEN_SHARE_AUDIO", "mime_type": "audio/opus", "name": "screen audio",
                   "published_at_ms": @100, "publish_source": "track_published", "unpublished_at_ms": @300,
                   "end_source": "room_finished", "open": false}
                ],
                "egress": [
                  {"egress_id": "EG_1", "room_sid": "RM_1", "room_name": "standup", "status": "EGRESS_COMPLETE",
                   "started_at_ms": @90, "ended_at_ms": @150, "updated_at_ms": @150, "error": "",
                   "results": {"fileResults": [{"filename": "standup.mp4", "size": "1024"}]}}
                ]
                }"""));
    }

    @Test
    void roomByNameIsTheNewestOfThatNameAndActiveFiguresRunToNow() {
        long before = System.currentTimeMillis();
        JsonNode room = server.json("/api/rooms/standup");
        long after = System.currentTimeMillis();
        assertThat(room.get("sid").asText()).isEqualTo("RM_2");
        assertThat(room.get("status").asText()).isEqualTo("active");
        assertThat(room.get("finished_at_ms").isNull()).isTrue();
        JsonNode figures = room.get("figures");
        long started = (T0 + 1000) * 1000;
        long duration = figures.get("duration_ms").asLong();
        assertThat(duration).isBetween(before - started, after - started);
        // dave joined 10 s after the start and is still in: his session runs to the same "now".
        assertThat(figures.get("participant_ms").asLong()).isEqualTo(duration - 10_000);
        assertThat(figures.get("participant_minutes").asDouble()).isEqualTo((duration - 10_000) / 60_000.0);
        assertThat(figures.get("current_participants").asInt()).isEqualTo(1);
        assertThat(figures.get("peak_participants").asInt()).isEqualTo(1);
        assertThat(figures.get("sessions").asInt()).isEqualTo(1);
        assertThat(figures.get("egress_by_status").size()).isZero();
        assertThat(room.get("current_participants")).hasSize(1);
        assertThat(room.get("current_participants").get(0).asText()).isEqualTo("dave");
        JsonNode session = room.get("sessions").get(0);
        assertThat(session.get("open").asBoolean()).isTrue();
        assertThat(session.get("left_at_ms").isNull()).isTrue();
        assertThat(session.get("duration_ms").asLong()).isEqualTo(duration - 10_000);
    }

    @Test
    void roomsNewestFirstFilteredByStatusAndPaged() {
        JsonNode all = server.json("/api/rooms");
        assertThat(texts(all.get("rooms"), "sid")).containsExactly("RM_2", "RM_1");
        assertJson(all.get("rooms").get(1), expected("{" + RM_1_SUMMARY + "}"));
        assertThat(all.get("next_cursor").isNull()).isTrue();

        assertThat(texts(server.json("/api/rooms?status=active").get("rooms"), "sid")).containsExactly("RM_2");
        assertThat(texts(server.json("/api/rooms?status=finished").get("rooms"), "sid")).containsExactly("RM_1");

        JsonNode first = server.json("/api/rooms?limit=1");
        assertThat(texts(first.get("rooms"), "sid")).containsExactly("RM_2");
        String cursor = first.get("next_cursor").asText();
        JsonNode second = server.json("/api/rooms?limit=1&cursor=" + q(cursor));
        assertThat(texts(second.get("rooms"), "sid")).containsExactly("RM_1");
        assertThat(second.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void timelineInLogOrderWithAnomaliesOnTheEventsThatCausedThem() {
        JsonNode timeline = server.json("/api/rooms/RM_1/timeline");
        assertJson(timeline.get("room"), expected("""
                {"sid": "RM_1", "name": "standup", "status": "finished", "started_at_ms": @0, "finished_at_ms": @300}
                """));
        List<String> lines = new ArrayList<>();
        long previousOffset = 0;
        for (JsonNode e : timeline.get("events")) {
            assertThat(e.get("log_offset").asLong()).isGreaterThan(previousOffset);
            previousOffset = e.get("log_offset").asLong();
            assertThat(e.get("received_at_ms").asLong()).isBetween(startedMs, postedMs);
            assertThat(e.get("origin").asText()).isEqualTo("livekit");
            lines.add(e.get("event_id").asText() + " " + e.get("type").asText() + " known=" + e.get("known_type")
                    + " created=" + (e.get("created_at_ms").asLong() / 1000 - T0) + " p=" + e.get("participant_sid")
                    .asText() + " t=" + e.get("track_sid").asText() + " anomalies=" + texts(e.get("anomalies"), "kind"));
        }
        // EV_job names no room; RM_2's events are another room of the same name.
        assertThat(lines).containsExactly(
                "EV_rs1 room_started known=true created=0 p=null t=null anomalies=[]",
                "EV_ja1 participant_joined known=true created=10 p=PA_a1 t=null anomalies=[]",
                "EV_jb1 participant_joined known=true created=20 p=PA_b1 t=null anomalies=[]",
                "EV_pa1 track_published known=true created=30 p=PA_a1 t=TR_a1 anomalies=[]",
                "EV_pb1 track_published known=true created=40 p=PA_b1 t=TR_b1 anomalies=[]",
                "EV_ja2 participant_joined known=true created=70 p=PA_a2 t=null anomalies=[]",
                "EV_ua1 track_unpublished known=true created=75 p=PA_a1 t=TR_a1 anomalies=[]",
                "EV_la1 participant_left known=true created=80 p=PA_a1 t=null anomalies=[]",
                "EV_eg1 egress_started known=true created=90 p=null t=null anomalies=[]",
                "EV_pc1 track_published known=true created=100 p=PA_c1 t=TR_c1 "
                        + "anomalies=[track_from_unknown_participant]",
                "EV_meta room_metadata_changed known=false created=110 p=null t=null anomalies=[]",
                "EV_eg2 egress_ended known=true created=150 p=null t=null anomalies=[]",
                "EV_ub1 track_unpublished known=true created=190 p=PA_b1 t=TR_b1 anomalies=[]",
                "EV_lb1 participant_left known=true created=200 p=PA_b1 t=null anomalies=[]",
                "EV_rf1 room_finished known=true created=300 p=null t=null "
                        + "anomalies=[session_ended_by_room_finished, session_ended_by_room_finished]");
        JsonNode finished = timeline.get("events").get(14).get("anomalies");
        assertThat(texts(finished, "participant_sid")).containsExactly("PA_a2", "PA_c1");
        assertThat(texts(timeline.get("anomalies"), "kind")).containsExactly("track_from_unknown_participant",
                "session_ended_by_room_finished", "session_ended_by_room_finished");
        assertThat(timeline.get("next_cursor").isNull()).isTrue();
        assertThat(timeline.get("anomalies").get(0)).isEqualTo(timeline.get("events").get(9).get("anomalies").get(0));

        JsonNode page1 = server.json("/api/rooms/RM_1/timeline?limit=10");
        assertThat(page1.get("events")).hasSize(10);
        JsonNode page2 = server.json("/api/rooms/RM_1/timeline?limit=10&cursor=" + q(page1.get("next_cursor").asText()));
        assertThat(texts(page2.get("events"), "event_id")).containsExactly("EV_meta", "EV_eg2", "EV_ub1", "EV_lb1",
                "EV_rf1");
        assertThat(page2.get("next_cursor").isNull()).isTrue();
    }

    // -- identities ----------------------------------------------------------------------------------

    @Test
    void sessionsOfAnIdentityAcrossRoomsNewestFirst() {
        JsonNode alice = server.json("/api/identities/alice/sessions");
        assertThat(alice.get("identity").asText()).isEqualTo("alice");
        assertThat(texts(alice.get("sessions"), "sid")).containsExactly("PA_a2", "PA_a1");
        assertThat(texts(alice.get("sessions"), "duration_ms")).containsExactly("230000", "70000");
        assertThat(alice.get("next_cursor").isNull()).isTrue();

        JsonNode first = server.json("/api/identities/alice/sessions?limit=1");
        assertThat(texts(first.get("sessions"), "sid")).containsExactly("PA_a2");
        JsonNode second = server.json("/api/identities/alice/sessions?limit=1&cursor="
                + q(first.get("next_cursor").asText()));
        assertThat(texts(second.get("sessions"), "sid")).containsExactly("PA_a1");
        assertThat(second.get("next_cursor").isNull()).isTrue();

        assertThat(texts(server.json("/api/identities/dave/sessions").get("sessions"), "room_sid"))
                .containsExactly("RM_2");
        // path segments are percent-decoded
        assertThat(texts(server.json("/api/identities/d%61ve/sessions").get("sessions"), "sid"))
                .containsExactly("PA_d1");
        assertThat(server.json("/api/rooms/st%61ndup").get("sid").asText()).isEqualTo("RM_2");
    }

    // -- events --------------------------------------------------------------------------------------

    @Test
    void oneEventSummary() {
        JsonNode event = server.json("/api/events/EV_jb1");
        assertThat(event.get("received_at_ms").asLong()).isBetween(startedMs, postedMs);
        ((ObjectNode) event).remove("received_at_ms");
        assertJson(event, expected("""
                {"event_id": "EV_jb1", "type": "participant_joined", "known_type": true, "created_at_ms": @20,
                 "room_sid": "RM_1", "room_name": "standup", "participant_sid": "PA_b1",
                 "participant_identity": "bob", "track_sid": null, "egress_id": null, "ingress_id": null,
                 "origin": "livekit", "key_id": "APItestkey", "queue_key": "standup", "log_partition": 0,
                 "log_offset": 3, "body_bytes": LENGTH, "status": "applied"}
                """.replace("LENGTH", Integer.toString(BOB_JOIN.getBytes(StandardCharsets.UTF_8).length))));
    }

    @Test
    void rawBodyIsTheExactBytesReceived() {
        HttpResponse<byte[]> raw = server.get("/api/events/EV_jb1/raw");
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().allValues("Content-Type")).containsExactly("application/json");
        // non-ASCII names and LiveKit's ", " separators come back byte for byte, not re-encoded
        assertThat(raw.body()).isEqualTo(BOB_JOIN.getBytes(StandardCharsets.UTF_8));

        HttpResponse<byte[]> compact = server.get("/api/events/EV_eg2/raw");
        assertThat(new String(compact.body(), StandardCharsets.UTF_8)).isEqualTo(POSTED.get(12));
    }

    @Test
    void eventsNewestFirstFilteredAndPaged() {
        assertThat(texts(server.json("/api/events?type=participant_joined").get("events"), "event_id"))
                .containsExactly("EV_jd1", "EV_ja2", "EV_jb1", "EV_ja1");
        assertThat(texts(server.json("/api/events?room=RM_1&type=track_published").get("events"), "event_id"))
                .containsExactly("EV_pc1", "EV_pb1", "EV_pa1");
        assertThat(texts(server.json("/api/events?room=standup&type=room_started").get("events"), "event_id"))
                .containsExactly("EV_rs2", "EV_rs1");

        List<JsonNode> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = server.json("/api/events?limit=5" + (cursor == null ? "" : "&cursor=" + q(cursor)));
            page.get("events").forEach(all::add);
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(4); // 18 applied events; the dead letter is not one
        List<String> reversed = new ArrayList<>(POSTED.stream()
                .map(b -> b.replaceAll("^\\{\"id\": ?\"([^\"]+)\".*$", "$1")).toList());
        java.util.Collections.reverse(reversed);
        assertThat(all.stream().map(e -> e.get("event_id").asText()).toList()).isEqualTo(reversed);

        long since = all.get(10).get("received_at_ms").asLong();
        long until = all.get(3).get("received_at_ms").asLong();
        List<String> window = all.stream()
                .filter(e -> e.get("received_at_ms").asLong() >= since && e.get("received_at_ms").asLong() < until)
                .map(e -> e.get("event_id").asText()).toList();
        assertThat(window).isNotEmpty();
        assertThat(texts(server.json("/api/events?limit=1000&since=" + since + "&until=" + until).get("events"),
                "event_id")).isEqualTo(window);
    }

    @Test
    void eventTypesCountedWithUnknownOnesListed() {
        assertJson(server.json("/api/event-types"), expected("""
                {"event_types": [
                  {"type": "participant_joined", "known": true, "count": 4},
                  {"type": "track_published", "known": true, "count": 3},
                  {"type": "participant_left", "known": true, "count": 2},
                  {"type": "room_started", "known": true, "count": 2},
                  {"type": "track_unpublished", "known": true, "count": 2},
                  {"type": "agent_job_started", "known": false, "count": 1},
                  {"type": "egress_ended", "known": true, "count": 1},
                  {"type": "egress_started", "known": true, "count": 1},
                  {"type": "room_finished", "known": true, "count": 1},
                  {"type": "room_metadata_changed", "known": false, "count": 1}
                ]}
                """));
    }

    // -- anomalies -----------------------------------------------------------------------------------

    @Test
    void anomaliesNewestFirstByRoomAndKind() {
        assertJson(server.json("/api/anomalies?room=standup"), expected("""
                {"anomalies": [
                  {"id": 3, "kind": "session_ended_by_room_finished", "room_sid": "RM_1", "room_name": "standup",
                   "participant_sid": "PA_c1", "identity": "carol", "event_ids": ["EV_rf1"],
                   "detail": "no participant_left before room_finished", "at_ms": @300},
                  {"id": 2, "kind": "session_ended_by_room_finished", "room_sid": "RM_1", "room_name": "standup",
                   "participant_sid": "PA_a2", "identity": "alice", "event_ids": ["EV_rf1"],
                   "detail": "no participant_left before room_finished", "at_ms": @300},
                  {"id": 1, "kind": "track_from_unknown_participant", "room_sid": "RM_1", "room_name": "standup",
                   "participant_sid": "PA_c1", "identity": "carol", "event_ids": ["EV_pc1"],
                   "detail": "track_published from a participant never seen joining", "at_ms": @100}
                ],
                "next_cursor": null}
                """));
        assertThat(texts(server.json("/api/anomalies?kind=track_from_unknown_participant").get("anomalies"), "id"))
                .containsExactly("1");
        assertThat(server.json("/api/anomalies?room=RM_2").get("anomalies")).isEmpty();
        JsonNode first = server.json("/api/anomalies?limit=2");
        assertThat(texts(first.get("anomalies"), "id")).containsExactly("3", "2");
        assertThat(texts(server.json("/api/anomalies?limit=2&cursor=" + q(first.get("next_cursor").asText()))
                .get("anomalies"), "id")).containsExactly("1");
    }

    // -- dead letters and quarantine -----------------------------------------------------------------

    @Test
    void deadLetterListedShownWithItsBodyAndRetried() throws InterruptedException {
        JsonNode list = server.json("/api/dead-letters?status=open");
        assertThat(list.get("dead_letters")).hasSize(1);
        JsonNode letter = list.get("dead_letters").get(0);
        assertThat(letter.get("first_failed_ms").asLong()).isBetween(startedMs, postedMs);
        assertThat(letter.get("error").asText()).startsWith("InvalidEvent: createdAt must be a whole number");
        ObjectNode stable = letter.deepCopy();
        stable.remove(List.of("first_failed_ms", "last_failed_ms", "error", "attempts", "status"));
        assertJson(stable, expected("""
                {"event_id": "EV_bad", "event_type": "participant_joined", "queue_key": "standup",
                 "log_partition": 0, "log_offset": 19}
                """));
        assertThat(server.json("/api/dead-letters?status=resolved").get("dead_letters")).isEmpty();

        JsonNode detail = server.json("/api/dead-letters/EV_bad");
        assertThat(detail.get("body_encoding").asText()).isEqualTo("utf-8");
        assertThat(detail.get("body").asText()).isEqualTo(BAD_EVENT);
        assertThat(detail.get("key_id").asText()).isEqualTo(LivehookFixture.API_KEY);
        assertThat(detail.get("received_at_ms").asLong()).isBetween(startedMs, postedMs);
        assertThat(server.json("/api/events/EV_bad").get("status").asText()).isEqualTo("dead_lettered");

        HttpResponse<byte[]> retry = server.post("/api/dead-letters/retry",
                "{\"event_ids\": [\"EV_bad\", \"EV_unknown\", \"EV_bad\"]}");
        assertThat(retry.statusCode()).as(LivehookFixture.text(retry)).isEqualTo(200);
        assertJson(LivehookFixture.parse(retry), expected("{\"requested\": 2, \"queued\": 1}"));

        // The body is still unreadable: the retry fails again and the letter is open with a second attempt.
        long deadline = System.currentTimeMillis() + 10_000;
        JsonNode after = server.json("/api/dead-letters/EV_bad");
        while (after.get("attempts").asInt() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            after = server.json("/api/dead-letters/EV_bad");
        }
        assertThat(after.get("attempts").asInt()).isEqualTo(2);
        assertThat(after.get("status").asText()).isEqualTo("open");
        assertThat(after.get("last_failed_ms").asLong()).isGreaterThanOrEqualTo(letter.get("last_failed_ms").asLong());
    }

    @Test
    void quarantinedBodiesAsTextOrBase64() {
        JsonNode bodies = server.json("/api/quarantine").get("quarantined");
        assertThat(bodies).hasSize(2);
        JsonNode binary = bodies.get(0);
        JsonNode text = bodies.get(1);
        assertThat(binary.get("id").asLong()).isGreaterThan(text.get("id").asLong());
        assertThat(binary.get("body_encoding").asText()).isEqualTo("base64");
        assertThat(binary.get("body").asText()).isEqualTo("e//+");
        assertThat(text.get("body_encoding").asText()).isEqualTo("utf-8");
        assertThat(text.get("body").asText()).isEqualTo("this is not json");
        for (JsonNode body : bodies) {
            assertThat(body.get("key_id").asText()).isEqualTo(LivehookFixture.API_KEY);
            assertThat(body.get("reason").asText()).startsWith("body is not valid JSON");
            assertThat(body.get("received_at_ms").asLong()).isBetween(startedMs, postedMs);
        }
        assertThat(server.json("/api/quarantine?limit=1").get("quarantined")).hasSize(1);
    }

    // -- errors --------------------------------------------------------------------------------------

    @Test
    void badParametersAnswer400WithAMessage() {
        String eventsCursor = server.json("/api/events?limit=1").get("next_cursor").asText();
        List<String[]> cases = List.of(
                new String[] {"/api/rooms?status=open", "status must be one of active, finished"},
                new String[] {"/api/rooms?limit=0", "limit must be a whole number from 1 to 1000"},
                new String[] {"/api/rooms?limit=1001", "limit must be a whole number from 1 to 1000"},
                new String[] {"/api/rooms?limit=ten", "limit must be a whole number from 1 to 1000"},
                new String[] {"/api/rooms?limit=1&limit=2", "given more than once"},
                new String[] {"/api/rooms?stauts=active", "unknown parameter \"stauts\""},
                new String[] {"/api/rooms?cursor=garbage!", "invalid cursor"},
                new String[] {"/api/rooms?cursor=" + q(eventsCursor), "invalid cursor"},
                new String[] {"/api/rooms/RM_1?limit=3", "unknown parameter \"limit\""},
                new String[] {"/api/events?since=yesterday", "since must be a time in Unix milliseconds"},
                new String[] {"/api/events?until=-5", "until must be a time in Unix milliseconds"},
                new String[] {"/api/events?since=2&until=1", "since (2) is after until (1)"},
                new String[] {"/api/anomalies?kind=weird", "kind must be one of room_inferred,"},
                new String[] {"/api/dead-letters?status=dead", "status must be one of open, retrying, resolved"},
                new String[] {"/api/quarantine?limit=5000", "limit must be"});
        for (String[] c : cases) {
            HttpResponse<byte[]> response = server.get(c[0]);
            assertThat(response.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(LivehookFixture.parse(response).get("error").asText()).as(c[0]).contains(c[1]);
        }
    }

    @Test
    void badRetryRequestsAnswer400() {
        for (String body : List.of("not json", "{}", "[]", "{\"event_ids\": []}", "{\"event_ids\": \"EV_bad\"}",
                "{\"event_ids\": [1]}", "{\"event_ids\": [\"\"]}")) {
            HttpResponse<byte[]> response = server.post("/api/dead-letters/retry", body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(LivehookFixture.parse(response).get("error").asText()).as(body).contains("event_ids");
        }
    }

    @Test
    void unknownIdsAnswer404() {
        for (String path : List.of("/api/rooms/nope", "/api/rooms/nope/timeline", "/api/events/EV_nope",
                "/api/events/EV_nope/raw", "/api/dead-letters/EV_nope", "/api/identities/nobody/sessions",
                "/api/no-such-thing")) {
            HttpResponse<byte[]> response = server.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).as(path).contains("application/json");
            assertThat(LivehookFixture.parse(response).get("error").asText()).as(path).isNotBlank();
        }
    }
}
