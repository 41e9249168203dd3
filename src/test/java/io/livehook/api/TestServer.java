package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.Livehook;
import io.livehook.config.ConfigLoader;
import io.livehook.deliver.LiveKitSigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A real livehook on loopback, with a client that signs webhooks like LiveKit and calls the API. */
final class TestServer implements AutoCloseable {
    static final String KEY = "APItestkey";
    static final String SECRET = "test-secret-with-enough-length-for-hs256";
    static final ObjectMapper JSON = new ObjectMapper();

    final Livehook livehook;
    private final HttpClient http = HttpClient.newHttpClient();
    private final LiveKitSigner signer = new LiveKitSigner(KEY, SECRET, Clock.systemUTC());
    private final String token;

    private TestServer(Livehook livehook, String token) {
        this.livehook = livehook;
        this.token = token;
    }

    /** {@code token} null: none configured. */
    static TestServer start(Path dataDir, String token, boolean dev) {
        Map<String, String> env = new HashMap<>(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dataDir.toString(), "LIVEKIT_API_KEY", KEY, "LIVEKIT_API_SECRET", SECRET,
                "LIVEHOOK_DRAIN_SECONDS", "0"));
        if (token != null) {
            env.put("LIVEHOOK_API_TOKEN", token);
        }
        Livehook livehook = Livehook.start(new ConfigLoader(env).load(Optional.empty(), dev), Clock.systemUTC());
        return new TestServer(livehook, token);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + livehook.port() + path);
    }

    /** Posts a signed webhook; returns the status. */
    int webhook(byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(uri("/webhook"))
                .header("Content-Type", "application/webhook+json")
                .header("Authorization", signer.sign(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return send(request).statusCode();
    }

    int webhook(String body) {
        return webhook(body.getBytes(StandardCharsets.UTF_8));
    }

    void awaitCaughtUp() throws InterruptedException {
        assertThat(livehook.processor().awaitCaughtUp(Duration.ofSeconds(20))).as("processor caught up").isTrue();
    }

    /** GET with {@code Authorization} set to {@code authorization} (none if null). */
    HttpResponse<byte[]> get(String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request.build());
    }

    /** GET with the configured token. */
    HttpResponse<byte[]> get(String path) {
        return get(path, token == null ? null : "Bearer " + token);
    }

    HttpResponse<byte[]> post(String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.build());
    }

    /** GET with the token; asserts 200 and a JSON content type; returns the parsed body. */
    JsonNode json(String path) {
        HttpResponse<byte[]> response = get(path);
        assertThat(response.statusCode()).as("GET %s: %s", path, text(response)).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return parse(response);
    }

    static JsonNode parse(HttpResponse<byte[]> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text(response), e);
        }
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        livehook.close();
    }
}
