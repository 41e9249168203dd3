package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.Livehook;
import io.livehook.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** A real livehook, in this JVM, on loopback, with its own data directory and a YAML file. */
final class TestLivehook implements AutoCloseable {
    static final String API_KEY = "APItestkey";
    static final String API_SECRET = "test-secret-that-is-long-enough-for-hs256";
    static final String TOKEN = "test-api-token-0a1b2c3d4e5f60718293";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong IDS = new AtomicLong(System.nanoTime() % 1_000_000);

    private final Path dir;
    private final Path yaml;
    private final Livehook livehook;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final LiveKitSigner signer = new LiveKitSigner(API_KEY, API_SECRET, Clock.systemUTC());

    private TestLivehook(Path dir, Path yaml) {
        this.dir = dir;
        this.yaml = yaml;
        this.livehook = Livehook.start(new ConfigLoader(env(dir)).load(Optional.of(yaml), false), Clock.systemUTC());
    }

    static TestLivehook start(Path dir, String yamlText) throws IOException {
        Files.createDirectories(dir);
        Path yaml = dir.resolve("livehook.yaml");
        Files.writeString(yaml, yamlText);
        return new TestLivehook(dir, yaml);
    }

    /** The same data directory and YAML, started again. */
    TestLivehook restart() {
        return new TestLivehook(dir, yaml);
    }

    static Map<String, String> env(Path dir) {
        return Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_DATA_DIR", dir.resolve("data")
                        .toString(), "LIVEKIT_API_KEY", API_KEY, "LIVEKIT_API_SECRET", API_SECRET,
                "LIVEHOOK_API_TOKEN", TOKEN, "LIVEHOOK_DRAIN_SECONDS", "0");
    }

    Livehook livehook() {
        return livehook;
    }

    String base() {
        return "http://127.0.0.1:" + livehook.port();
    }

    static String newEventId() {
        return "EV_t" + Long.toString(IDS.incrementAndGet(), 36);
    }

    /** A participant_joined event in {@code room}: applies cleanly in any order and any number. */
    static byte[] event(String id, String room) {
        return ("{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_" + room + "\",\"name\":\"" + room + "\"},"
                + "\"participant\":{\"sid\":\"PA_" + id + "\",\"identity\":\"u-" + id + "\",\"state\":\"ACTIVE\"},"
                + "\"id\":\"" + id + "\",\"createdAt\":\"" + (System.currentTimeMillis() / 1000) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** POSTs a webhook signed like LiveKit; returns the HTTP status. */
    int post(byte[] body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base() + "/webhook"))
                .header("Content-Type", "application/webhook+json")
                .header("Authorization", signer.sign(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Sends an event to {@code room}, asserts it was accepted, returns its id. */
    String send(String room) throws IOException, InterruptedException {
        String id = newEventId();
        assertThat(post(event(id, room))).isEqualTo(200);
        return id;
    }

    HttpResponse<String> api(String method, String path, String jsonBody, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode apiJson(String method, String path, String jsonBody) throws IOException, InterruptedException {
        HttpResponse<String> response = api(method, path, jsonBody, TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    String metrics() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of one sample line of /metrics, e.g. {@code livehook_delivery_backlog{destination="a"}}. */
    double metric(String sample) throws IOException, InterruptedException {
        for (String line : metrics().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).strip());
            }
        }
        return Double.NaN;
    }

    DeliveryStore store() {
        return livehook.deliveries().store();
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        livehook.close();
    }
}
