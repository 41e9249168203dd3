package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpService;
import io.livehook.state.StateUnavailableException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The access filter and the error handlers do not depend on the order the API's parts are registered in. */
class ApiRoutingTest {
    private static final String TOKEN = "routing-test-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    /** Like the query API: several paths under /api. */
    private static final HttpService QUERIES = rules -> rules
            .get("/rooms", (req, res) -> ApiJson.send(res, Status.OK_200, Map.of("from", "queries")))
            .get("/rooms/{room}", (req, res) -> {
                throw ApiException.notFound("no room " + req.path().pathParameters().get("room"));
            })
            .get("/busy", (req, res) -> {
                throw new StateUnavailableException("locked", null);
            })
            .get("/bug", (req, res) -> {
                throw new IllegalStateException("a bug with a secret inside");
            });

    /** Like the deliveries API: its own prefix under /api. */
    private static final HttpService DELIVERIES = rules -> rules
            .get("/", (req, res) -> ApiJson.send(res, Status.OK_200, Map.of("from", "deliveries")));

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyPartIsGuardedAndReachedWhateverTheOrder(boolean queriesFirst) throws Exception {
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).routing(routing -> {
            routing.addFilter(new AccessFilter(new ApiAuth(Optional.of(TOKEN), false)));
            ApiErrors.register(routing);
            if (queriesFirst) {
                routing.register("/api", QUERIES).register("/api/deliveries", DELIVERIES);
            } else {
                routing.register("/api/deliveries", DELIVERIES).register("/api", QUERIES);
            }
            routing.get("/healthz", (req, res) -> res.send("ok"));
        }).build().start();
        try {
            int port = server.port();
            assertThat(get(port, "/api/rooms", null).statusCode()).isEqualTo(401);
            assertThat(get(port, "/api/deliveries", null).statusCode()).isEqualTo(401);
            assertThat(get(port, "/api/nothing-here", null).statusCode()).as("guarded before routing").isEqualTo(401);
            assertThat(get(port, "/healthz", null).statusCode()).as("outside /api: open").isEqualTo(200);

            assertThat(answer(get(port, "/api/rooms", TOKEN), 200).get("from").asText()).isEqualTo("queries");
            assertThat(answer(get(port, "/api/deliveries", TOKEN), 200).get("from").asText()).isEqualTo("deliveries");
            assertThat(answer(get(port, "/api/rooms/r1", TOKEN), 404).get("error").asText()).isEqualTo("no room r1");
            assertThat(answer(get(port, "/api/nothing-here", TOKEN), 404).get("error").asText())
                    .isEqualTo("no such API endpoint: GET /api/nothing-here");
            HttpResponse<String> busy = get(port, "/api/busy", TOKEN);
            assertThat(answer(busy, 503).get("error").asText()).isEqualTo("state store unavailable, try again");
            assertThat(busy.headers().firstValue("Retry-After")).contains("1");
            assertThat(answer(get(port, "/api/bug", TOKEN), 500).toString()).doesNotContain("secret");
        } finally {
            server.stop();
        }
    }

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode answer(HttpResponse<String> response, int status)
            throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return JSON.readTree(response.body());
    }
}
