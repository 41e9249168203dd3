package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI description against the API livehook really serves: every route registered under /api is described
 * and every described operation is served, and each operation, called on a running livehook that holds a room,
 * an anomaly, egress, a dead letter, a quarantined body and dead deliveries, answers with a described status and a
 * body that matches the described schema field for field ({@link SchemaCheck}).
 */
class OpenApiDescriptionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long T0 = System.currentTimeMillis() / 1000 - 600;
    static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch", "head", "options");
    /** Each described path as it is called here: real ids from the story below, so a 404 means a missing route. */
    static final Map<String, String> CALLS = Map.ofEntries(
            Map.entry("/api/rooms/{room}", "/api/rooms/RM_oa"),
            Map.entry("/api/rooms/{room}/timeline", "/api/rooms/openapi-room/timeline"),
            Map.entry("/api/rooms/{room}/participants", "/api/rooms/openapi-room/participants"),
            Map.entry("/api/identities/{identity}/sessions", "/api/identities/ann/sessions"),
            Map.entry("/api/events/{id}", "/api/events/EV_oa_join"),
            Map.entry("/api/events/{id}/raw", "/api/events/EV_oa_join/raw"),
            Map.entry("/api/dead-letters/{id}", "/api/dead-letters/EV_oa_bad"),
            Map.entry("/api/deliveries/{destination}/{eventId}", "/api/deliveries/app/EV_oa_join"));
    /** What an operation answers here when it is not 200. */
    static final Map<String, Integer> NOT_OK = Map.of("POST /api/reconcile", 502); // LiveKit is unreachable
    /** Operations that answer with an endless stream: called by a test of their own (PresenceStreamTest). */
    static final Set<String> STREAMS = Set.of("GET /api/stream");

    @TempDir
    static Path dir;
    static TestReceiver receiver;
    static LivehookFixture lh;
    static JsonNode description;
    static SchemaCheck schemas;

    @BeforeAll
    static void start() throws Exception {
        receiver = TestReceiver.start().behave(r -> TestReceiver.Answer.status(400));
        lh = LivehookFixture.in(dir).reconcilingNowhere().yaml("""
                destinations:
                  - name: app
                    url: %s
                """.formatted(receiver.url())).start();
        String room = "\"room\":{\"sid\":\"RM_oa\",\"name\":\"openapi-room\"}";
        post("EV_oa_start", "room_started", 0, room);
        post("EV_oa_join", "participant_joined", 10, room + ",\"participant\":{\"sid\":\"PA_ann\",\"identity\":\"ann\","
                + "\"state\":\"ACTIVE\",\"joinedAt\":\"" + (T0 + 10) + "\"}");
        post("EV_oa_track", "track_published", 20, room + ",\"participant\":{\"sid\":\"PA_ben\",\"identity\":\"ben\"},"
                + "\"track\":{\"sid\":\"TR_ben\",\"type\":\"AUDIO\",\"source\":\"MICROPHONE\"}");
        post("EV_oa_egress", "egress_started", 30, "\"egressInfo\":{\"egressId\":\"EG_oa\",\"roomId\":\"RM_oa\","
                + "\"roomName\":\"openapi-room\",\"updatedAt\":\"" + (T0 + 30) * 1_000_000_000L + "\"}");
        assertThat(lh.webhook("{\"id\":\"EV_oa_bad\",\"event\":\"participant_joined\",\"createdAt\":\"soon\","
                + "\"room\":{\"name\":\"openapi-room\"}}")).isEqualTo(200);
        assertThat(lh.webhook("not json")).isEqualTo(202);
        lh.awaitCaughtUp();
        LivehookFixture.await(Duration.ofSeconds(20), "the deliveries refused",
                () -> lh.deliveryStore().count("app", Delivery.DEAD) == 4);
        try (InputStream in = OpenApiDescription.class.getResourceAsStream(OpenApiDescription.RESOURCE)) {
            description = new YAMLMapper().readTree(in);
        }
        schemas = new SchemaCheck(description);
    }

    @AfterAll
    static void stop() {
        lh.close();
        receiver.close();
    }

    private static void post(String id, String type, int atSeconds, String fields) {
        assertThat(lh.webhook("{\"id\":\"" + id + "\",\"event\":\"" + type + "\",\"createdAt\":\"" + (T0 + atSeconds)
                + "\"," + fields + "}")).isEqualTo(200);
    }

    /** "GET /api/rooms", ... for every operation the description holds. */
    static Set<String> described() {
        Set<String> operations = new TreeSet<>();
        description.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(m -> {
            if (METHODS.contains(m)) {
                operations.add(m.toUpperCase() + " " + path.getKey());
            }
        }));
        return operations;
    }

    static JsonNode operation(String operation) {
        String[] parts = operation.split(" ", 2);
        return description.get("paths").get(parts[1]).get(parts[0].toLowerCase());
    }

    @Test
    void everyServedRouteIsDescribedAndEveryDescribedOperationIsServed() {
        Set<String> served = new TreeSet<>();
        lh.livehook().api().routes().forEach(r -> served.add(r.method().text() + " " + r.fullPath()));
        assertThat(served).hasSizeGreaterThan(15);
        assertThat(described()).isEqualTo(served);
    }

    @Test
    void theDescriptionIsServedOpenlyAsJson() {
        HttpResponse<byte[]> response = lh.get("/api/openapi.json", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode served = LivehookFixture.parse(response);
        assertThat(served).isEqualTo(description);
        assertThat(served.get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(served.at("/components/securitySchemes/bearerAuth/scheme").asText()).isEqualTo("bearer");
        assertThat(lh.get("/api/openapi.json?x=1", null).statusCode()).isEqualTo(400);
    }

    @Test
    void everyReferenceResolvesAndEveryPathParameterIsDeclared() {
        List<String> refs = new ArrayList<>();
        collectRefs(description, refs);
        assertThat(refs).isNotEmpty();
        refs.forEach(ref -> assertThat(schemas.resolve(JSON.createObjectNode().put("$ref", ref))).as(ref).isNotNull());
        for (String op : described()) {
            Set<String> inTemplate = new TreeSet<>();
            Matcher m = Pattern.compile("\\{([^}]+)}").matcher(op);
            while (m.find()) {
                inTemplate.add(m.group(1));
            }
            Set<String> declared = new TreeSet<>();
            for (JsonNode p : operation(op).path("parameters")) {
                JsonNode parameter = schemas.resolve(p);
                if (parameter.get("in").asText().equals("path")) {
                    assertThat(parameter.get("required").asBoolean()).as(op).isTrue();
                    declared.add(parameter.get("name").asText());
                }
            }
            assertThat(declared).as(op).isEqualTo(inTemplate);
            if (!operation(op).has("security")) {
                assertThat(operation(op).at("/responses/401").isMissingNode()).as(op + " documents 401").isFalse();
            }
        }
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.has("$ref")) {
            refs.add(node.get("$ref").asText());
        }
        node.elements().forEachRemaining(child -> collectRefs(child, refs));
    }

    @Test
    void everyOperationAnswersWithADescribedStatusAndItsSchema() throws Exception {
        Map<String, Integer> answered = new TreeMap<>();
        for (String op : described()) {
            if (STREAMS.contains(op)) {
                continue;
            }
            String[] parts = op.split(" ", 2);
            String path = CALLS.getOrDefault(parts[1], parts[1]);
            assertThat(path).as(op + " needs a concrete call in CALLS").doesNotContain("{");
            JsonNode example = operation(op).at("/requestBody/content/application~1json/example");
            HttpResponse<byte[]> response = lh.request(parts[0], path,
                    example.isMissingNode() ? null : JSON.writeValueAsString(example), LivehookFixture.TOKEN);
            answered.put(op, response.statusCode());
            assertThat(response.statusCode()).as(op + ": " + LivehookFixture.text(response)).isNotIn(404, 405)
                    .isEqualTo(NOT_OK.getOrDefault(op, 200));
            assertAnswersAsDescribed(op, response);
        }
        assertThat(answered).hasSize(described().size() - STREAMS.size());
    }

    @Test
    void withoutATokenEveryGuardedOperationAnswers401AsDescribed() {
        for (String op : described()) {
            if (operation(op).has("security")) {
                continue;
            }
            String[] parts = op.split(" ", 2);
            HttpResponse<byte[]> response = lh.request(parts[0], CALLS.getOrDefault(parts[1], parts[1]), null, null);
            assertThat(response.statusCode()).as(op).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(op).isPresent();
            assertAnswersAsDescribed(op, response);
        }
    }

    @Test
    void unknownParametersAnswer400AsDescribed() {
        for (String op : described()) {
            String[] parts = op.split(" ", 2);
            if (!parts[0].equals("GET")) {
                continue;
            }
            HttpResponse<byte[]> response = lh.request("GET", CALLS.getOrDefault(parts[1], parts[1]) + "?nope=1", null,
                    LivehookFixture.TOKEN);
            assertThat(response.statusCode()).as(op).isEqualTo(400);
            assertAnswersAsDescribed(op, response);
        }
    }

    /** The status is described for the operation, and a JSON body matches its schema. */
    private static void assertAnswersAsDescribed(String op, HttpResponse<byte[]> response) {
        JsonNode described = operation(op).path("responses").get(Integer.toString(response.statusCode()));
        assertThat(described).as(op + " describes " + response.statusCode()).isNotNull();
        JsonNode content = schemas.resolve(described).path("content").path("application/json");
        assertThat(content.isMissingNode()).as(op + " " + response.statusCode() + " content").isFalse();
        assertThat(response.headers().firstValue("Content-Type")).as(op).contains("application/json");
        JsonNode body = LivehookFixture.parse(response);
        assertThat(schemas.problems(body, content.path("schema"))).as(op + " " + response.statusCode() + ": " + body)
                .isEmpty();
    }

    @Test
    void theSchemaCheckFindsWhatIsWrong() {
        JsonNode room = schemas.resolve(JSON.createObjectNode().put("$ref", "#/components/schemas/Room"));
        JsonNode good = lh.json("/api/rooms/RM_oa");
        assertThat(schemas.problems(good, description.at("/components/schemas/RoomDetail"))).isEmpty();
        com.fasterxml.jackson.databind.node.ObjectNode bad = good.deepCopy();
        bad.remove("sid");
        bad.put("status", "paused").put("extra", 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) bad.get("figures")).put("sessions", "two");
        assertThat(schemas.problems(bad, description.at("/components/schemas/RoomDetail")))
                .anySatisfy(p -> assertThat(p).contains("required field sid"))
                .anySatisfy(p -> assertThat(p).contains("\"paused\" is not one of"))
                .anySatisfy(p -> assertThat(p).contains("field extra is not documented"))
                .anySatisfy(p -> assertThat(p).contains("$.figures.sessions: expected \"integer\""));
        assertThat(schemas.problems(JSON.createArrayNode(), room)).isNotEmpty();
        assertThatThrownBy(() -> schemas.resolve(JSON.createObjectNode().put("$ref", "#/components/schemas/Nope")))
                .hasMessageContaining("unresolved");
    }
}
