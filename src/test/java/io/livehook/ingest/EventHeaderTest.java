package io.livehook.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventHeaderTest {

    private static EventHeader read(String json) throws EventHeader.Unreadable {
        return EventHeader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String unreadableCode(String json) {
        EventHeader.Unreadable e = catchThrowableOfType(EventHeader.Unreadable.class, () -> read(json));
        assertThat(e).as("expected %s to be unreadable", json).isNotNull();
        assertThat(e.getMessage()).isNotBlank();
        return e.code();
    }

    @Test
    void roomEventsAreKeyedByRoomName() throws Exception {
        EventHeader h = read("{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_1\",\"name\":\"standup\",\"emptyTimeout\":300},"
                + "\"participant\":{\"sid\":\"PA_1\",\"identity\":\"ann\",\"name\":\"Ann\"},"
                + "\"id\":\"EV_jT6Y4xyzXsjM\",\"createdAt\":\"1771351907\"}");
        assertThat(h).isEqualTo(new EventHeader("EV_jT6Y4xyzXsjM", "participant_joined", "standup"));
    }

    @Test
    void egressIdWinsOverTheRoomForEgressEventsInEitherOrder() throws Exception {
        String egress = "\"egressInfo\":{\"egressId\":\"EG_abc\",\"roomName\":\"standup\",\"status\":\"EGRESS_ACTIVE\"}";
        String room = "\"room\":{\"name\":\"standup\"}";
        assertThat(read("{\"event\":\"egress_updated\"," + room + "," + egress + ",\"id\":\"EV_1\"}").queueKey())
                .isEqualTo("EG_abc");
        assertThat(read("{\"id\":\"EV_1\"," + egress + "," + room + ",\"event\":\"egress_updated\"}").queueKey())
                .isEqualTo("EG_abc");
    }

    @Test
    void ingressEventsAreKeyedByIngressId() throws Exception {
        EventHeader h = read("{\"event\":\"ingress_started\",\"ingressInfo\":{\"ingressId\":\"IN_xyz\",\"roomName\":\"r\"},"
                + "\"room\":{\"name\":\"r\"},\"id\":\"EV_2\"}");
        assertThat(h).isEqualTo(new EventHeader("EV_2", "ingress_started", "IN_xyz"));
    }

    @Test
    void snakeCaseKeysAreRead() throws Exception {
        assertThat(read("{\"event\":\"egress_ended\",\"egress_info\":{\"egress_id\":\"EG_s\"},\"id\":\"EV_3\"}").queueKey())
                .isEqualTo("EG_s");
        assertThat(read("{\"event\":\"ingress_ended\",\"ingress_info\":{\"ingress_id\":\"IN_s\"},\"id\":\"EV_4\"}").queueKey())
                .isEqualTo("IN_s");
    }

    @Test
    void keyOrderDoesNotMatter() throws Exception {
        EventHeader expected = new EventHeader("EV_5", "room_started", "r5");
        assertThat(read("{\"id\":\"EV_5\",\"event\":\"room_started\",\"room\":{\"name\":\"r5\"}}")).isEqualTo(expected);
        assertThat(read("{\"room\":{\"name\":\"r5\"},\"id\":\"EV_5\",\"event\":\"room_started\"}")).isEqualTo(expected);
        assertThat(read("{\"event\":\"room_started\",\"room\":{\"name\":\"r5\"},\"id\":\"EV_5\"}")).isEqualTo(expected);
    }

    @Test
    void unknownFieldsAndNestedObjectsAreSkipped() throws Exception {
        // Fields named like ours inside other objects (participant.name, track.sid, job.id) must not be taken.
        EventHeader h = read("{\"event\":\"track_published\","
                + "\"participant\":{\"sid\":\"PA_1\",\"name\":\"not-the-room\",\"id\":\"not-the-id\","
                + "\"attributes\":{\"event\":\"nope\",\"room\":{\"name\":\"deep\"}}},"
                + "\"track\":{\"sid\":\"TR_1\",\"layers\":[{\"quality\":\"HIGH\",\"id\":\"x\"},[1,2,[3]]]},"
                + "\"somethingNew\":{\"a\":[{\"b\":{\"c\":null}}],\"id\":\"no\"},\"flag\":true,\"n\":-1.5e3,\"nothing\":null,"
                + "\"room\":{\"sid\":\"RM_1\",\"tags\":{\"name\":\"nested-name\"},\"name\":\"real-room\"},"
                + "\"id\":\"EV_6\",\"createdAt\":\"1771351907\"}");
        assertThat(h).isEqualTo(new EventHeader("EV_6", "track_published", "real-room"));
    }

    @Test
    void anEventWithoutRoomHasAnEmptyQueueKey() throws Exception {
        assertThat(read("{\"event\":\"agent_job_started\",\"job\":{\"id\":\"AJ_1\"},\"id\":\"EV_7\"}"))
                .isEqualTo(new EventHeader("EV_7", "agent_job_started", ""));
    }

    @Test
    void nonAsciiRoomNamesAreDecodedAsUtf8() throws Exception {
        assertThat(read("{\"event\":\"room_started\",\"room\":{\"name\":\"Ёлка 🎄\"},\"id\":\"EV_8\"}").queueKey())
                .isEqualTo("Ёлка 🎄");
    }

    @Test
    void notJson() {
        assertThat(unreadableCode("hello")).isEqualTo("invalid_json");
        assertThat(unreadableCode("{\"id\":\"EV_1\",\"event\":")).isEqualTo("invalid_json");
        assertThat(unreadableCode("{\"id\":\"EV_1\" \"event\":\"x\"}")).isEqualTo("invalid_json");
        assertThat(unreadableCode("{\"id\":'EV_1',\"event\":\"x\"}")).isEqualTo("invalid_json");
    }

    @Test
    void notAnObject() {
        assertThat(unreadableCode("[{\"id\":\"EV_1\",\"event\":\"x\"}]")).isEqualTo("not_an_object");
        assertThat(unreadableCode("\"EV_1\"")).isEqualTo("not_an_object");
        assertThat(unreadableCode("42")).isEqualTo("not_an_object");
        assertThat(unreadableCode("null")).isEqualTo("not_an_object");
        assertThat(unreadableCode("")).isEqualTo("not_an_object");
    }

    @Test
    void trailingContent() {
        assertThat(unreadableCode("{\"id\":\"EV_1\",\"event\":\"x\"}{\"id\":\"EV_2\",\"event\":\"y\"}")).isEqualTo("invalid_json");
        assertThat(unreadableCode("{\"id\":\"EV_1\",\"event\":\"x\"} junk")).isEqualTo("invalid_json");
        assertThat(unreadableCode("{\"id\":\"EV_1\",\"event\":\"x\"}]")).isEqualTo("invalid_json");
    }

    @Test
    void trailingWhitespaceIsFine() throws Exception {
        assertThat(read("{\"id\":\"EV_1\",\"event\":\"x\"}\n  ").eventId()).isEqualTo("EV_1");
    }

    @Test
    void missingId() {
        assertThat(unreadableCode("{\"event\":\"room_started\",\"room\":{\"name\":\"r\"}}")).isEqualTo("missing_id");
        assertThat(unreadableCode("{\"event\":\"room_started\",\"id\":\"\"}")).isEqualTo("missing_id");
        assertThat(unreadableCode("{\"event\":\"room_started\",\"id\":42}")).isEqualTo("missing_id");
        assertThat(unreadableCode("{\"event\":\"room_started\",\"id\":{\"id\":\"EV_1\"}}")).isEqualTo("missing_id");
        assertThat(unreadableCode("{\"event\":\"room_started\",\"id\":null}")).isEqualTo("missing_id");
    }

    @Test
    void missingEvent() {
        assertThat(unreadableCode("{\"id\":\"EV_1\",\"room\":{\"name\":\"r\"}}")).isEqualTo("missing_event");
        assertThat(unreadableCode("{\"id\":\"EV_1\",\"event\":\" \"}")).isEqualTo("missing_event");
        assertThat(unreadableCode("{\"id\":\"EV_1\",\"event\":[\"room_started\"]}")).isEqualTo("missing_event");
        // The node SDK test's "type" key is not LiveKit's "event".
        assertThat(unreadableCode("{\"type\":\"room_started\",\"id\":\"EV_1\",\"room\":{\"name\":\"mytestroom\"},\"extra\":\"extra\"}"))
                .isEqualTo("missing_event");
    }

    @Test
    void absurdNestingIsRefusedNotAStackOverflow() {
        String deep = "{\"id\":\"EV_1\",\"event\":\"x\",\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertThat(unreadableCode(deep)).isEqualTo("invalid_json");
    }
}
