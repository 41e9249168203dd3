package io.livehook.metrics;

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
import java.util.Map;
import java.util.Optional;

/** A real livehook on a loopback port over a temporary data directory, with a LiveKit-style client. */
final class RunningLivehook implements AutoCloseable {
    static final String KEY = "APIobserveTest";
    static final String SECRET = "observe-test-secret-4f8a1c2e9b7d6053a1e2f3c4d5b6a798";

    final Livehook livehook;
    final LiveKitSigner signer = new LiveKitSigner(KEY, SECRET, Clock.systemUTC());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningLivehook(Livehook livehook) {
        this.livehook = livehook;
    }

    static RunningLivehook start(Path dataDir) {
        var config = new ConfigLoader(Map.of(
                        "LIVEHOOK_PORT", "0",
                        "LIVEHOOK_HOST", "127.0.0.1",
                        "LIVEHOOK_DATA_DIR", dataDir.toString(),
                        "LIVEKIT_API_KEY", KEY,
                        "LIVEKIT_API_SECRET", SECRET,
                        // Reconciliation on, so its meters exist; nothing listens there and a pass is an hour off.
                        "LIVEKIT_URL", "http://127.0.0.1:9",
                        "LIVEHOOK_RECONCILE_INTERVAL", "3600",
                        "LIVEHOOK_DRAIN_SECONDS", "0"))
                .load(Optional.empty(), false);
        return new RunningLivehook(Livehook.start(config, Clock.systemUTC()));
    }

    /** Posts the body signed with the configured key, like LiveKit. */
    HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return post(body, signer.sign(body.getBytes(StandardCharsets.UTF_8)));
    }

    HttpResponse<String> post(String body, String authorization) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri("/webhook"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/webhook+json")
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    Scrape scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/metrics answered " + response.statusCode());
        }
        return Scrape.parse(response.body());
    }

    boolean awaitCaughtUp() throws InterruptedException {
        return livehook.processor().awaitCaughtUp(Duration.ofSeconds(15));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + livehook.port() + path);
    }

    @Override
    public void close() {
        livehook.close();
    }
}
