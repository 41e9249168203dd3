package io.livehook.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.ingest.EventHeader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TrafficModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    private static final Pattern EVENT_ID = Pattern.compile("EV_[1-9A-HJ-NP-Za-km-z]{12}");
    private static final Pattern CAMEL = Pattern.compile("[a-z][a-zA-Z0-9]*");
    private static final Set<String> INT64 = Set.of("createdAt", "creationTime", "creationTimeMs", "joinedAt",
            "joinedAtMs", "startedAt", "endedAt", "updatedAt", "duration", "size", "unixMicro");
    private static final Set<String> INT32 = Set.of("emptyTimeout", "departureTimeout", "maxParticipants",
            "numParticipants", "numPublishers", "version", "width", "height", "bitrate");

    @Test
    void theSameSeedGivesTheSameTrafficByteForByte() {
        List<GeneratedEvent> first = generate(new TrafficModel(7, 20, START, 500), 3000);
        List<GeneratedEvent> again = generate(new TrafficModel(7, 20, START, 500), 3000);
        for (int i = 0; i < first.size(); i++) {
            assertThat(again.get(i).id()).isEqualTo(first.get(i).id());
            assertThat(again.get(i).createdAt()).isEqualTo(first.get(i).createdAt());
            assertThat(again.get(i).body()).isEqualTo(first.get(i).body());
        }
        List<GeneratedEvent> other = generate(new TrafficModel(8, 20, START, 500), 3000);
        assertThat(other.getFirst().roomName()).isNotEqualTo(first.getFirst().roomName());
        assertThat(ids(other)).doesNotContainAnyElementsOf(ids(first));
    }

    @Test
    void theGroundTruthOfASeedIsReproducible() {
        TrafficModel first = new TrafficModel(7, 20, START, 500);
        TrafficModel again = new TrafficModel(7, 20, START, 500);
        generate(first, 3000);
        generate(again, 3000);
        assertThat(again.truth().events()).isEqualTo(first.truth().events());
        assertThat(again.truth().rooms()).isEqualTo(first.truth().rooms());
        assertThat(again.truth().sessions()).isEqualTo(first.truth().sessions());
        assertThat(again.truth().tracks()).isEqualTo(first.truth().tracks());
        assertThat(again.truth().egresses()).isEqualTo(first.truth().egresses());
    }

    @Test
    void eventsAreStampedAtTheRateAndComeFromTheOpenRooms() {
        TrafficModel model = new TrafficModel(3, 5, START, 250);
        List<GeneratedEvent> events = generate(model, 2000);
        assertThat(events.get(1).createdAt()).isEqualTo(START.plusMillis(4));
        assertThat(events.getLast().createdAt()).isEqualTo(START.plusMillis(4 * 1999));
        assertThat(model.produced()).isEqualTo(2000);
        // Never more than 5 rooms between their room_started and room_finished.
        Set<String> open = new HashSet<>();
        for (GeneratedEvent event : events) {
            if (event.type().equals("room_started")) {
                open.add(event.roomName());
            }
            assertThat(open).contains(event.roomName()).hasSizeLessThanOrEqualTo(5);
            if (event.type().equals("room_finished")) {
                open.remove(event.roomName());
            }
        }
        assertThat(model.truth().rooms().values()).filteredOn(r -> !r.open()).hasSizeGreaterThan(5);
    }

    @Test
    void bodiesAreShapedLikeLiveKitsProtojson() throws Exception {
        List<GeneratedEvent> events = generate(new TrafficModel(42, 30, START, 500), 6000);
        Set<String> ids = new HashSet<>();
        Set<String> types = new HashSet<>();
        int spaced = 0;
        int compact = 0;
        for (GeneratedEvent event : events) {
            String text = new String(event.body(), StandardCharsets.UTF_8);
            JsonNode body = JSON.readTree(event.body());
            types.add(event.type());

            assertThat(event.id()).matches(EVENT_ID);
            assertThat(ids.add(event.id())).as("unique id %s", event.id()).isTrue();
            assertThat(body.path("id").asText()).isEqualTo(event.id());
            assertThat(body.path("event").asText()).isEqualTo(event.type());
            assertThat(body.path("createdAt").textValue()).isEqualTo(Long.toString(event.createdAt().getEpochSecond()));
            assertShape(body, "");

            // Separators are one style per body: ", " everywhere or "," everywhere.
            if (text.contains(", \"")) {
                spaced++;
                assertThat(text).doesNotContain(",\"").doesNotContain(",{");
            } else {
                compact++;
                assertThat(text).doesNotContain(", ");
            }

            EventHeader header = EventHeader.read(event.body());
            assertThat(header.eventId()).isEqualTo(event.id());
            assertThat(header.eventType()).isEqualTo(event.type());
            assertThat(header.queueKey()).isEqualTo(event.queueKey());

            JsonNode participant = body.path("participant");
            JsonNode track = body.path("track");
            JsonNode egress = body.path("egressInfo");
            switch (event.type()) {
                case "room_started", "room_finished" -> {
                    assertThat(body.path("room").path("sid").asText()).startsWith("RM_");
                    assertThat(body.path("room").path("creationTimeMs").isTextual()).isTrue();
                }
                case "participant_joined" -> {
                    assertThat(participant.path("state").asText()).isEqualTo("ACTIVE");
                    assertThat(participant.path("joinedAtMs").isTextual()).isTrue();
                    assertThat(body.path("room").path("enabledCodecs").isArray()).isTrue();
                }
                case "participant_left" -> {
                    assertThat(participant.path("state").asText()).isEqualTo("DISCONNECTED");
                    assertThat(participant.path("disconnectReason").isTextual()).isTrue();
                }
                case "participant_connection_aborted" ->
                        assertThat(participant.has("state")).as("JOINING is the zero state").isFalse();
                case "track_published", "track_unpublished" -> {
                    assertThat(fieldNames(body.path("room"))).containsExactly("sid", "name");
                    assertThat(fieldNames(participant)).containsExactly("sid", "identity");
                    assertThat(track.path("sid").asText()).startsWith("TR_");
                    if (track.path("source").asText().equals("MICROPHONE")) {
                        assertThat(track.has("type")).as("AUDIO is the zero type").isFalse();
                        assertThat(track.path("mimeType").asText()).startsWith("audio/");
                    } else {
                        assertThat(track.path("type").asText()).isEqualTo("VIDEO");
                        assertThat(track.path("mimeType").asText()).startsWith("video/");
                    }
                }
                case "egress_started", "egress_updated", "egress_ended" -> {
                    assertThat(egress.path("egressId").asText()).startsWith("EG_").isEqualTo(event.queueKey());
                    if (event.type().equals("egress_started")) {
                        assertThat(egress.has("status")).as("EGRESS_STARTING is the zero status").isFalse();
                    } else {
                        assertThat(egress.path("status").asText()).startsWith("EGRESS_");
                    }
                    long createdNanos = event.createdAt().getEpochSecond() * 1_000_000_000L;
                    assertThat(Long.parseLong(egress.path("updatedAt").asText()))
                            .as("nanoseconds").isBetween(createdNanos, createdNanos + 1_000_000_000L);
                    if (egress.path("status").asText().equals("EGRESS_COMPLETE")) {
                        assertThat(egress.path("endedAt").isTextual()).isTrue();
                        assertThat(egress.path("fileResults").get(0).path("filename").asText()).endsWith(".mp4");
                    }
                }
                default -> throw new AssertionError("unexpected event " + event.type());
            }
        }
        assertThat(types).containsExactlyInAnyOrder("room_started", "room_finished", "participant_joined",
                "participant_left", "participant_connection_aborted", "track_published", "track_unpublished",
                "egress_started", "egress_updated", "egress_ended");
        assertThat(spaced).isGreaterThan(events.size() / 5);
        assertThat(compact).isGreaterThan(events.size() / 5);
        assertThat(String.join("", events.stream().map(e -> new String(e.body(), StandardCharsets.UTF_8)).toList()))
                .as("names outside ASCII are in the bytes").contains("Zoë Müller", "李雷");
    }

    /** camelCase keys, int64 as strings of digits, int32 as numbers, and no zero value anywhere. */
    private static void assertShape(JsonNode node, String path) {
        if (node.isObject()) {
            assertThat(node.size()).as("empty object at %s", path).isPositive();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = field.getKey();
                JsonNode value = field.getValue();
                assertThat(key).as("key at %s", path).matches(CAMEL);
                if (INT64.contains(key)) {
                    assertThat(value.isTextual()).as("int64 %s.%s is a string", path, key).isTrue();
                    assertThat(value.asText()).matches("[1-9][0-9]*");
                }
                if (INT32.contains(key) && !value.isObject()) { // a track's "version" is a TimedVersion
                    assertThat(value.isInt()).as("int32 %s.%s is a number", path, key).isTrue();
                }
                assertShape(value, path + "." + key);
            }
        } else if (node.isArray()) {
            assertThat(node.size()).as("empty array at %s", path).isPositive();
            node.forEach(element -> assertShape(element, path + "[]"));
        } else {
            assertThat(node.isNull()).as("null at %s", path).isFalse();
            assertThat(node.isBoolean() && !node.asBoolean()).as("false at %s", path).isFalse();
            assertThat(node.isNumber() && node.asLong() == 0).as("0 at %s", path).isFalse();
            assertThat(node.isTextual() && node.asText().isEmpty()).as("empty string at %s", path).isFalse();
        }
    }

    @Test
    void reconnectsGiveTheIdentityANewSidAndTheOldOneMayLeaveAfterTheNewOneJoined() throws IOException {
        List<GeneratedEvent> events = generate(new TrafficModel(42, 30, START, 500), 6000);
        Map<String, Integer> joinedAt = new HashMap<>();
        Map<String, String> identityOf = new HashMap<>();
        Map<String, String> roomOf = new HashMap<>();
        int leftAfterNewJoined = 0;
        int leftBeforeNewJoined = 0;
        for (int i = 0; i < events.size(); i++) {
            GeneratedEvent event = events.get(i);
            JsonNode participant = JSON.readTree(event.body()).path("participant");
            String sid = participant.path("sid").asText();
            if (event.type().equals("participant_joined")) {
                joinedAt.put(sid, i);
                identityOf.put(sid, participant.path("identity").asText());
                roomOf.put(sid, event.roomName());
            }
            if (event.type().equals("participant_left")
                    && participant.path("disconnectReason").asText().equals("DUPLICATE_IDENTITY")) {
                String identity = participant.path("identity").asText();
                int leftIndex = i;
                boolean newerJoinedBefore = joinedAt.entrySet().stream().anyMatch(e -> !e.getKey().equals(sid)
                        && identityOf.get(e.getKey()).equals(identity) && roomOf.get(e.getKey()).equals(event.roomName())
                        && e.getValue() > joinedAt.get(sid) && e.getValue() < leftIndex);
                if (newerJoinedBefore) {
                    leftAfterNewJoined++;
                } else {
                    leftBeforeNewJoined++;
                }
            }
        }
        assertThat(leftAfterNewJoined).isPositive();
        assertThat(leftBeforeNewJoined).isPositive();
    }

    /**
     * Replaying the bodies, as a receiver that got every event would, gives exactly the ground truth's
     * final state: what {@code --verify} will hold livehook to.
     */
    @Test
    void theGroundTruthIsWhatTheBodiesSay() throws IOException {
        TrafficModel model = new TrafficModel(99, 25, START, 400);
        List<GeneratedEvent> events = generate(model, 5000);
        GroundTruth truth = model.truth();

        Map<String, String> rooms = new HashMap<>();
        Map<String, String> sessions = new HashMap<>();
        Map<String, String> tracks = new HashMap<>();
        Map<String, String> egresses = new HashMap<>();
        Map<String, String> roomOf = new HashMap<>();
        Map<String, String> ownerOf = new HashMap<>();
        int deletedWithPeopleIn = 0;
        for (GeneratedEvent event : events) {
            JsonNode body = JSON.readTree(event.body());
            String participantSid = body.path("participant").path("sid").asText();
            switch (event.type()) {
                case "room_started" -> rooms.put(event.roomName(), "open");
                case "room_finished" -> {
                    rooms.put(event.roomName(), "finished");
                    // A room deleted with people in it: room_finished alone ends them and their tracks.
                    List<String> inIt = sessions.entrySet().stream().filter(s -> s.getValue().equals("CONNECTED")
                            && event.roomName().equals(roomOf.get(s.getKey()))).map(Map.Entry::getKey).toList();
                    deletedWithPeopleIn += inIt.isEmpty() ? 0 : 1;
                    inIt.forEach(sid -> sessions.put(sid, "LEFT"));
                    tracks.replaceAll((track, status) -> inIt.contains(ownerOf.get(track)) ? "unpublished" : status);
                }
                case "participant_joined" -> {
                    sessions.put(participantSid, "CONNECTED");
                    roomOf.put(participantSid, event.roomName());
                }
                case "participant_left" -> {
                    assertThat(sessions).as("left after joined").containsEntry(participantSid, "CONNECTED");
                    sessions.put(participantSid, "LEFT");
                }
                case "participant_connection_aborted" -> sessions.put(participantSid, "ABORTED");
                case "track_published" -> {
                    assertThat(sessions).as("published by a joined participant").containsEntry(participantSid, "CONNECTED");
                    tracks.put(body.path("track").path("sid").asText(), "published");
                    ownerOf.put(body.path("track").path("sid").asText(), participantSid);
                }
                case "track_unpublished" -> tracks.put(body.path("track").path("sid").asText(), "unpublished");
                default -> egresses.put(event.queueKey(), body.path("egressInfo").path("status").asText("EGRESS_STARTING"));
            }
        }
        assertThat(truth.events()).extracting(GroundTruth.Event::id).containsExactlyElementsOf(ids(events));
        assertThat(map(truth.rooms(), r -> r.open() ? "open" : "finished")).isEqualTo(rooms);
        assertThat(map(truth.sessions(), s -> s.end().name())).isEqualTo(sessions);
        assertThat(map(truth.tracks(), t -> t.unpublishedAt() == null ? "published" : "unpublished")).isEqualTo(tracks);
        assertThat(map(truth.egresses(), SimulatedEgress::status)).isEqualTo(egresses);

        // A finished room left nothing behind, and its history is complete.
        for (var entry : truth.eventsByRoom().entrySet()) {
            List<GroundTruth.Event> history = entry.getValue();
            assertThat(history.getFirst().type()).isEqualTo("room_started");
            if (!truth.rooms().get(entry.getKey()).open()) {
                assertThat(history.getLast().type()).isEqualTo("room_finished");
                assertThat(truth.sessions().values()).filteredOn(s -> s.roomName().equals(entry.getKey()))
                        .allSatisfy(s -> assertThat(s.end()).isNotEqualTo(GroundTruth.Session.End.CONNECTED));
                assertThat(truth.tracks().values()).filteredOn(t -> t.roomName().equals(entry.getKey()))
                        .allSatisfy(t -> assertThat(t.unpublishedAt()).isNotNull());
                assertThat(truth.egresses().values()).filteredOn(e -> e.roomName().equals(entry.getKey()))
                        .allSatisfy(e -> assertThat(e.ended()).isTrue());
            }
        }
        assertThat(truth.sessions().values()).extracting(GroundTruth.Session::end)
                .contains(GroundTruth.Session.End.values());
        assertThat(deletedWithPeopleIn).as("rooms deleted with people in them").isPositive();
        assertThat(truth.tracks().values()).extracting(t -> t.track().participantSid())
                .as("every track is its publisher's").allMatch(sessions::containsKey);
    }

    private static <V> Map<String, String> map(Map<String, V> values, java.util.function.Function<V, String> f) {
        Map<String, String> mapped = new HashMap<>();
        values.forEach((k, v) -> mapped.put(k, f.apply(v)));
        return mapped;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> ids(List<GeneratedEvent> events) {
        return events.stream().map(GeneratedEvent::id).toList();
    }

    private static List<GeneratedEvent> generate(TrafficModel model, int count) {
        List<GeneratedEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(model.next());
        }
        return events;
    }
}
