package io.livehook.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.Livehook;
import io.livehook.client.LivehookClient;
import io.livehook.config.ConfigLoader;
import io.livehook.state.DeliveryStore;
import io.livehook.livekit.WebhookSigner;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.search.Search;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A real livehook in this JVM on 127.0.0.1 (any free port) with its own data directory, signed webhooks with the
 * one test key pair ({@link #API_KEY}, {@link #API_SECRET}), its API through plain HTTP and {@link LivehookClient},
 * and its meters read from the registry. {@link LivehookProcess} runs the jar instead.
 */
public final class LivehookFixture implements AutoCloseable {
    public static final String API_KEY = "APItestkey";
    public static final String API_SECRET = "test-secret-that-is-long-enough-for-hs256";
    public static final String TOKEN = "test-api-token-0a1b2c3d4e5f60718293";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final WebhookSigner SIGNER = new WebhookSigner(API_KEY, API_SECRET, Clock.systemUTC());
    private static final AtomicLong IDS = new AtomicLong(System.nanoTime() % 1_000_000);

    /** How to start one: the API token ({@code null}: none), --dev, a YAML file, more environment. */
    public static final class Options {
        private final Path dir;
        private String token = TOKEN;
        private boolean dev;
        private String yaml;
        private final Map<String, String> env = new LinkedHashMap<>();

        private Options(Path dir) {
            this.dir = dir;
        }

        public Options token(String token) {
            this.token = token;
            return this;
        }

        public Options dev(boolean dev) {
            this.dev = dev;
            return this;
        }

        public Options yaml(String yaml) {
            this.yaml = yaml;
            return this;
        }

        public Options env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Reconciliation on, so that its meters exist, against a port nothing listens on, an hour between passes. */
        public Options reconcilingNowhere() {
            return env("LIVEKIT_URL", "http://127.0.0.1:9").env("LIVEHOOK_RECONCILE_INTERVAL", "3600");
        }

        public LivehookFixture start() {
            return new LivehookFixture(this);
        }
    }

    private final Options options;
    private final Livehook livehook;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    private LivehookFixture(Options options) {
        this.options = options;
        Map<String, String> env = new LinkedHashMap<>(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", options.dir.resolve("data").toString(), "LIVEKIT_API_KEY", API_KEY,
                "LIVEKIT_API_SECRET", API_SECRET, "LIVEHOOK_DRAIN_SECONDS", "0"));
        if (options.token != null) {
            env.put("LIVEHOOK_API_TOKEN", options.token);
        }
        env.putAll(options.env);
        Optional<Path> yaml = Optional.empty();
        if (options.yaml != null) {
            try {
                Files.createDirectories(options.dir);
                yaml = Optional.of(Files.writeString(options.dir.resolve("livehook.yaml"), options.yaml));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        this.livehook = Livehook.start(new ConfigLoader(env).load(yaml, options.dev), Clock.systemUTC());
    }

    public static Options in(Path dir) {
        return new Options(dir);
    }

    public static LivehookFixture start(Path dir) {
        return in(dir).start();
    }

    /** The same data directory and options, started again (close this one first). */
    public LivehookFixture restart() {
        return new LivehookFixture(options);
    }

    public Livehook livehook() {
        return livehook;
    }

    public int port() {
        return livehook.port();
    }

    public String base() {
        return "http://127.0.0.1:" + livehook.port();
    }

    public URI uri(String path) {
        return URI.create(base() + path);
    }

    /** The signer of the test key pair livehook accepts. */
    public static WebhookSigner signer() {
        return SIGNER;
    }

    /** A client of the API with the configured token. */
    public LivehookClient client() {
        return new LivehookClient(URI.create(base()), Optional.ofNullable(options.token));
    }

    // -- webhooks -----------------------------------------------------------------------------------------

    /** POSTs a webhook signed like LiveKit; returns the status. */
    public int webhook(byte[] body) {
        return postWebhook(body, SIGNER.sign(body)).statusCode();
    }

    public int webhook(String body) {
        return webhook(body.getBytes(StandardCharsets.UTF_8));
    }

    /** POSTs a webhook with this {@code Authorization}, whatever it is. */
    public HttpResponse<String> postWebhook(byte[] body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/webhook"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/webhook+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> postWebhook(String body, String authorization) {
        return postWebhook(body.getBytes(StandardCharsets.UTF_8), authorization);
    }

    /** POSTs a webhook signed like LiveKit, with its answer. */
    public HttpResponse<String> postWebhook(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return postWebhook(bytes, SIGNER.sign(bytes));
    }

    /** POSTs each webhook signed like LiveKit, asserts each was answered 200, then waits until all are applied. */
    public void deliver(byte[]... bodies) {
        for (byte[] body : bodies) {
            HttpResponse<String> answer = postWebhook(body, SIGNER.sign(body));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
        awaitCaughtUp();
    }

    /** Sends a participant_joined in {@code room}, asserts it was accepted, returns its id. */
    public String postEvent(String room) {
        String id = newEventId();
        assertThat(webhook(participantJoined(id, room))).isEqualTo(200);
        return id;
    }

    public static String newEventId() {
        return "EV_t" + Long.toString(IDS.incrementAndGet(), 36);
    }

    /** A participant_joined event in {@code room}: applies cleanly in any order and any number. */
    public static byte[] participantJoined(String id, String room) {
        return ("{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_" + room + "\",\"name\":\"" + room + "\"},"
                + "\"participant\":{\"sid\":\"PA_" + id + "\",\"identity\":\"u-" + id + "\",\"state\":\"ACTIVE\"},"
                + "\"id\":\"" + id + "\",\"createdAt\":\"" + (System.currentTimeMillis() / 1000) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Waits until every logged event is applied. */
    public void awaitCaughtUp() {
        try {
            assertThat(livehook.processor().awaitCaughtUp(Duration.ofSeconds(20))).as("processor caught up").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    // -- the API and other endpoints ----------------------------------------------------------------------

    /** GET with {@code Authorization} set to {@code authorization} (none if null). */
    public HttpResponse<byte[]> get(String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request);
    }

    /** GET with the configured token. */
    public HttpResponse<byte[]> get(String path) {
        return get(path, bearer(options.token));
    }

    /** POST of JSON with the configured token. */
    public HttpResponse<byte[]> post(String path, String json) {
        return request("POST", path, json, options.token);
    }

    /** Any method, a JSON body or none, and {@code token} as Bearer (none if null). */
    public HttpResponse<byte[]> request(String method, String path, String json, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", bearer(token));
        }
        return send(request);
    }

    /** GET with the token; asserts 200 and a JSON content type; returns the parsed body. */
    public JsonNode json(String path) {
        HttpResponse<byte[]> response = get(path);
        assertThat(response.statusCode()).as("GET %s: %s", path, text(response)).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return parse(response);
    }

    /** Any method with the token; asserts 200; returns the parsed body. */
    public JsonNode json(String method, String path, String json) {
        HttpResponse<byte[]> response = request(method, path, json, options.token);
        assertThat(response.statusCode()).as("%s %s: %s", method, path, text(response)).isEqualTo(200);
        return parse(response);
    }

    public HttpResponse<byte[]> send(HttpRequest.Builder request) {
        return send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    public <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request.build(), body);
        } catch (IOException e) {
            throw new AssertionError("request failed: " + request.build(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public static JsonNode parse(HttpResponse<byte[]> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text(response), e);
        }
    }

    public static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static String bearer(String token) {
        return token == null ? null : "Bearer " + token;
    }

    // -- meters ------------------------------------------------------------------------------------------

    /** GET /metrics as Prometheus scrapes it. */
    public String metricsText() {
        return text(get("/metrics", null));
    }

    /**
     * The value of one meter of the registry (a counter's count, a gauge's value), found by name and tags
     * ({@code key, value, ...}); NaN when there is none.
     */
    public double meter(String name, String... tags) {
        Meter meter = Search.in(livehook.registry()).name(name).tags(tags).meter();
        if (meter == null) {
            return Double.NaN;
        }
        return meter.measure().iterator().next().getValue();
    }

    public DeliveryStore deliveryStore() {
        return livehook.deliveries().store();
    }

    public static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
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
