package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.log.QuarantinedBody;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestJwt;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class IngestHttpTest {
    private static final String KEY = LivehookFixture.API_KEY;
    private static final String SECRET = LivehookFixture.API_SECRET;
    private static final int MAX_BODY = 4096;
    private static final String WEBHOOK_JSON = "application/webhook+json";

    @TempDir
    Path dataDir;

    Livehook livehook;
    HttpClient client;
    URI webhook;

    @BeforeEach
    void start() {
        livehook = Livehook.start(config(Map.of()), Clock.systemUTC());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        webhook = URI.create("http://127.0.0.1:" + livehook.port() + "/webhook");
    }

    @AfterEach
    void stop() {
        if (livehook != null) {
            livehook.close();
        }
        client.close();
    }

    private LivehookConfig config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "LIVEKIT_KEYS", KEY + ": " + SECRET + ", APIother: other-secret-0000000000",
                "LIVEHOOK_PORT", "0",
                "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dataDir.toString(),
                "LIVEHOOK_MAX_BODY_BYTES", Integer.toString(MAX_BODY),
                "LIVEHOOK_DRAIN_SECONDS", "0"));
        env.putAll(extra);
        return new ConfigLoader(env).load(Optional.empty(), false);
    }

    private static byte[] body(String id) {
        return ("{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_1\",\"name\":\"Ёлка\"},"
                + "\"participant\":{\"sid\":\"PA_1\",\"identity\":\"zoe\",\"name\":\"Zoë 🎧\",\"state\":\"ACTIVE\"},"
                + "\"id\":\"" + id + "\",\"createdAt\":\"" + Instant.now().getEpochSecond() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String sign(byte[] body) {
        return TestJwt.webhook(KEY, SECRET, body, Instant.now());
    }

    private HttpResponse<String> post(byte[] body, String authorization, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postSigned(byte[] body) throws Exception {
        return post(body, sign(body), WEBHOOK_JSON);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + livehook.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<LoggedEvent> stored() {
        return livehook.eventLog().read(0, 0, 10_000);
    }

    private static final Pattern SAMPLE = Pattern.compile("^livehook_ingest_requests_total\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** The scraped value of livehook_ingest_requests_total for these exact labels (0 when absent). */
    private double requests(String status, String outcome, String reason) throws Exception {
        HttpResponse<String> scrape = get("/metrics");
        assertThat(scrape.statusCode()).isEqualTo(200);
        Matcher sample = SAMPLE.matcher(scrape.body());
        double total = 0;
        while (sample.find()) {
            Map<String, String> labels = new HashMap<>();
            Matcher label = LABEL.matcher(sample.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            if (labels.equals(Map.of("status", status, "outcome", outcome, "reason", reason))) {
                total += Double.parseDouble(sample.group(2));
            }
        }
        return total;
    }

    private void assertAnswer(HttpResponse<String> response, int status, String outcome, String reason) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).startsWith(outcome);
    }

    // ---------------------------------------------------------------- 200

    @Test
    void aSignedEventIsAppendedByteExactAndCounted() throws Exception {
        byte[] body = body("EV_ok1");
        HttpResponse<String> response = postSigned(body);
        assertAnswer(response, 200, "appended", "none");
        assertThat(response.body()).isEqualTo("appended\n");

        List<LoggedEvent> events = stored();
        assertThat(events).hasSize(1);
        LoggedEvent e = events.get(0);
        assertThat(e.eventId()).isEqualTo("EV_ok1");
        assertThat(e.eventType()).isEqualTo("participant_joined");
        assertThat(e.queueKey()).isEqualTo("Ёлка");
        assertThat(e.keyId()).isEqualTo(KEY);
        assertThat(e.body()).isEqualTo(body);
        assertThat(requests("200", "appended", "none")).isEqualTo(1.0);
    }

    @Test
    void aRetryIsADuplicateStoredOnce() throws Exception {
        byte[] body = body("EV_dup");
        String token = sign(body);
        assertAnswer(post(body, token, WEBHOOK_JSON), 200, "appended", "none");
        assertAnswer(post(body, token, WEBHOOK_JSON), 200, "duplicate", "none");
        assertAnswer(post(body, token, WEBHOOK_JSON), 200, "duplicate", "none");

        assertThat(stored()).hasSize(1);
        assertThat(stored().get(0).duplicates()).isEqualTo(2);
        assertThat(requests("200", "appended", "none")).isEqualTo(1.0);
        assertThat(requests("200", "duplicate", "none")).isEqualTo(2.0);
    }

    @Test
    void otherKeysAndBothJsonContentTypesAreAccepted() throws Exception {
        byte[] a = body("EV_ct1");
        byte[] b = body("EV_ct2");
        byte[] c = body("EV_ct3");
        assertAnswer(post(a, sign(a), "application/json"), 200, "appended", "none");
        assertAnswer(post(b, sign(b), "application/json; charset=utf-8"), 200, "appended", "none");
        assertAnswer(post(c, TestJwt.webhook("APIother", "other-secret-0000000000", c, Instant.now()), "Application/Webhook+JSON"),
                200, "appended", "none");
        assertThat(stored()).extracting(LoggedEvent::keyId).containsExactly(KEY, KEY, "APIother");
        assertThat(requests("200", "appended", "none")).isEqualTo(3.0);
    }

    // ---------------------------------------------------------------- 401

    @Test
    void everyRejectionFamilyIs401WithItsReason() throws Exception {
        byte[] body = body("EV_rej");
        long now = Instant.now().getEpochSecond();
        String hash = TestJwt.sha256Base64(body);
        Map<String, String> tokens = new java.util.LinkedHashMap<>();
        tokens.put("malformed_token", "Bearer " + sign(body));
        tokens.put("unknown_key", TestJwt.webhook("APIstranger", SECRET, body, Instant.now()));
        tokens.put("wrong_algorithm", TestJwt.sign("HmacSHA512", SECRET, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                TestJwt.claims(KEY, now + 300, now, now, hash)));
        tokens.put("bad_signature", TestJwt.webhook(KEY, "not-the-secret", body, Instant.now()));
        tokens.put("missing_expiry", TestJwt.hs256(SECRET, TestJwt.claims(KEY, null, now, now, hash)));
        tokens.put("expired", TestJwt.hs256(SECRET, TestJwt.claims(KEY, now - 61, now - 361, now - 361, hash)));
        tokens.put("not_yet_valid", TestJwt.hs256(SECRET, TestJwt.claims(KEY, now + 400, now + 100, now + 100, hash)));
        tokens.put("hash_mismatch", sign(body("EV_other")));

        assertAnswer(post(body, null, WEBHOOK_JSON), 401, "rejected", "missing_token");
        assertThat(requests("401", "rejected", "missing_token")).isEqualTo(1.0);
        for (Map.Entry<String, String> t : tokens.entrySet()) {
            HttpResponse<String> response = post(body, t.getValue(), WEBHOOK_JSON);
            assertThat(response.statusCode()).as(t.getKey()).isEqualTo(401);
            assertThat(response.body()).isEqualTo("rejected " + t.getKey() + "\n");
            assertThat(requests("401", "rejected", t.getKey())).as(t.getKey()).isEqualTo(1.0);
        }
        // The answer never echoes the token or the secret.
        assertThat(post(body, tokens.get("bad_signature"), WEBHOOK_JSON).body()).doesNotContain(SECRET).doesNotContain("eyJ");
        assertThat(stored()).isEmpty();
        assertThat(livehook.eventLog().quarantined(10)).isEmpty();
    }

    // ---------------------------------------------------------------- 413

    @Test
    void aBodyOverTheLimitWithContentLengthIs413() throws Exception {
        byte[] big = padded("EV_big", MAX_BODY + 1);
        HttpResponse<String> response = post(big, sign(big), WEBHOOK_JSON);
        assertAnswer(response, 413, "rejected", "body_too_large");
        assertThat(requests("413", "rejected", "body_too_large")).isEqualTo(1.0);
        // Exactly at the limit is fine.
        byte[] atLimit = padded("EV_limit", MAX_BODY);
        assertAnswer(post(atLimit, sign(atLimit), WEBHOOK_JSON), 200, "appended", "none");
        assertThat(stored()).extracting(LoggedEvent::eventId).containsExactly("EV_limit");
    }

    @Test
    void aHugeContentLengthIs413WithoutWaitingForTheBody() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", livehook.port()), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + WEBHOOK_JSON
                    + "\r\nAuthorization: x\r\nContent-Length: 1000000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertThat(readStatusLine(socket.getInputStream())).startsWith("HTTP/1.1 413");
        }
        assertThat(requests("413", "rejected", "body_too_large")).isEqualTo(1.0);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws Exception {
        byte[] big = padded("EV_chunked", MAX_BODY * 3);
        HttpRequest request = HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                .header("Content-Type", WEBHOOK_JSON)
                .header("Authorization", sign(big))
                // An InputStream publisher has no length: the client sends Transfer-Encoding: chunked.
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertAnswer(response, 413, "rejected", "body_too_large");
        assertThat(requests("413", "rejected", "body_too_large")).isEqualTo(1.0);

        // A chunked body within the limit is read and appended.
        byte[] small = body("EV_chunked_ok");
        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                .header("Content-Type", WEBHOOK_JSON).header("Authorization", sign(small))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertAnswer(ok, 200, "appended", "none");
        assertThat(stored()).extracting(LoggedEvent::eventId).containsExactly("EV_chunked_ok");
    }

    /** A valid event padded with spaces (inside the JSON) to exactly {@code size} bytes. */
    private static byte[] padded(String id, int size) {
        byte[] base = body(id);
        byte[] out = new byte[size];
        int head = base.length - 1;
        System.arraycopy(base, 0, out, 0, head);
        java.util.Arrays.fill(out, head, size - 1, (byte) ' ');
        out[size - 1] = '}';
        return out;
    }

    // ---------------------------------------------------------------- 415

    @Test
    void wrongContentTypeIs415() throws Exception {
        byte[] body = body("EV_415");
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", null}) {
            HttpResponse<String> response = post(body, sign(body), type);
            assertThat(response.statusCode()).as(String.valueOf(type)).isEqualTo(415);
            assertThat(response.body()).isEqualTo("rejected unsupported_media_type\n");
        }
        assertThat(requests("415", "rejected", "unsupported_media_type")).isEqualTo(4.0);
        assertThat(stored()).isEmpty();
    }

    // ---------------------------------------------------------------- 202

    @Test
    void signedBodiesThatAreNotEventsAreQuarantinedWith202() throws Exception {
        byte[] notJson = "definitely not json".getBytes(StandardCharsets.UTF_8);
        byte[] noId = "{\"event\":\"room_started\", \"room\":{\"name\":\"mytestroom\"}}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> first = postSigned(notJson);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.body()).isEqualTo("quarantined invalid_json\n");
        HttpResponse<String> second = postSigned(noId);
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(second.body()).isEqualTo("quarantined missing_id\n");

        assertThat(requests("202", "quarantined", "invalid_json")).isEqualTo(1.0);
        assertThat(requests("202", "quarantined", "missing_id")).isEqualTo(1.0);
        List<QuarantinedBody> quarantined = livehook.eventLog().quarantined(10);
        assertThat(quarantined).extracting(QuarantinedBody::body).containsExactly(noId, notJson);
        assertThat(quarantined).extracting(QuarantinedBody::keyId).containsOnly(KEY);
        assertThat(stored()).isEmpty();
    }

    @Test
    void anUnsignedNonEventIs401NotQuarantined() throws Exception {
        byte[] notJson = "definitely not json".getBytes(StandardCharsets.UTF_8);
        assertThat(post(notJson, TestJwt.webhook(KEY, "wrong", notJson, Instant.now()), WEBHOOK_JSON).statusCode())
                .isEqualTo(401);
        assertThat(livehook.eventLog().quarantined(10)).isEmpty();
    }

    // ---------------------------------------------------------------- 503

    @Test
    void whenTheLogIsUnavailableTheAnswerIs503WithRetryAfter() throws Exception {
        livehook.eventLog().close();
        byte[] body = body("EV_503");
        HttpResponse<String> response = postSigned(body);
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(response.body()).isEqualTo("unavailable log_unavailable\n");
        // Quarantine needs the log too.
        HttpResponse<String> quarantine = postSigned("not json".getBytes(StandardCharsets.UTF_8));
        assertThat(quarantine.statusCode()).isEqualTo(503);
        assertThat(quarantine.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(requests("503", "unavailable", "log_unavailable")).isEqualTo(2.0);
        // A request that can never be valid is still 401, not 503.
        assertThat(post(body, null, WEBHOOK_JSON).statusCode()).isEqualTo(401);
    }

    @Test
    void closeAnswers503ToNewRequestsAndLetsInFlightOnesFinish() throws Exception {
        livehook.close();
        livehook = Livehook.start(config(Map.of("LIVEHOOK_SHUTDOWN_GRACE_SECONDS", "20")), Clock.systemUTC());
        webhook = URI.create("http://127.0.0.1:" + livehook.port() + "/webhook");
        Livehook running = livehook;

        byte[] slowBody = body("EV_inflight");
        String slowToken = sign(slowBody);
        try (Socket slow = new Socket()) {
            slow.connect(new InetSocketAddress("127.0.0.1", running.port()), 5000);
            slow.setSoTimeout(15_000);
            OutputStream out = slow.getOutputStream();
            // Headers and half the body: the handler is now inside, waiting for the rest.
            out.write(("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + WEBHOOK_JSON + "\r\nAuthorization: "
                    + slowToken + "\r\nContent-Length: " + slowBody.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(slowBody, 0, slowBody.length / 2);
            out.flush();
            Thread.sleep(300);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(running::close);
            // New requests are refused with 503 + Retry-After while the in-flight one is waited for.
            byte[] refusedBody = body("EV_refused");
            HttpResponse<String> refused = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                refused = postSigned(refusedBody);
                if (refused.statusCode() == 503) {
                    break;
                }
                Thread.sleep(20);
            }
            assertThat(refused).isNotNull();
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).isEqualTo("unavailable shutting_down\n");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(get("/readyz").statusCode()).isEqualTo(503);
            assertThat(requests("503", "unavailable", "shutting_down")).isGreaterThanOrEqualTo(1.0);
            assertThat(closing).isNotDone();

            // The rest of the in-flight body: that request still gets its 200, durably.
            out.write(slowBody, slowBody.length / 2, slowBody.length - slowBody.length / 2);
            out.flush();
            assertThat(readStatusLine(slow.getInputStream())).startsWith("HTTP/1.1 200");
            closing.get(20, TimeUnit.SECONDS);
        }
        livehook = null;

        try (EventLog reopened = EmbeddedLog.open(dataDir)) {
            assertThat(reopened.read(0, 0, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_inflight");
        }
    }

    // ---------------------------------------------------------------- health, readiness, metrics

    @Test
    void healthAndReadiness() throws Exception {
        HttpResponse<String> health = get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok\n");
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready\n");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("livehook_log_writable 1.0");
    }

    @Test
    void onlyPostIsAWebhook() throws Exception {
        assertThat(get("/webhook").statusCode()).isIn(404, 405);
        assertThat(stored()).isEmpty();
    }

    @Test
    void metricsCountEveryAnswerAndTheAckLatency() throws Exception {
        for (int i = 0; i < 3; i++) {
            postSigned(body("EV_m" + i));
        }
        postSigned(body("EV_m0"));
        post(body("EV_x"), null, WEBHOOK_JSON);
        post(body("EV_x"), sign(body("EV_x")), "text/plain");
        postSigned("[]".getBytes(StandardCharsets.UTF_8));

        assertThat(requests("200", "appended", "none")).isEqualTo(3.0);
        assertThat(requests("200", "duplicate", "none")).isEqualTo(1.0);
        assertThat(requests("401", "rejected", "missing_token")).isEqualTo(1.0);
        assertThat(requests("415", "rejected", "unsupported_media_type")).isEqualTo(1.0);
        assertThat(requests("202", "quarantined", "not_an_object")).isEqualTo(1.0);
        assertThat(requests("200", "appended", "missing_token")).isZero();

        String scrape = get("/metrics").body();
        Matcher count = Pattern.compile("^livehook_ingest_ack_seconds_count (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        assertThat(count.find()).as("ack latency timer in\n%s", scrape).isTrue();
        assertThat(Double.parseDouble(count.group(1))).isEqualTo(7.0);
        assertThat(scrape).contains("livehook_ingest_ack_seconds_bucket{");
    }

    @Test
    void aWebhookSentOnAKeptAliveConnectionAfterStopIsAnswered503AndTheConnectionEndsWithoutAReset() throws Exception {
        livehook.close();
        livehook = Livehook.start(config(Map.of("LIVEHOOK_DRAIN_SECONDS", "3")), Clock.systemUTC());
        Livehook running = livehook;
        try (Socket socket = new Socket("127.0.0.1", running.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] first = body("EV_before_stop");
            out.write(rawPost(first));
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("appended\n");

            CompletableFuture<Void> closing = CompletableFuture.runAsync(running::close);
            Thread.sleep(500);
            // LiveKit sends its next event on the connection it kept: it gets a 503 it retries, not a reset.
            out.write(rawPost(body("EV_after_stop")));
            String answer = readResponse(in);
            assertThat(answer).startsWith("HTTP/1.1 503").contains("Connection: close").contains("Retry-After: 1")
                    .endsWith("unavailable shutting_down\n");
            assertThat(in.read()).as("then the connection ends").isEqualTo(-1);
            closing.get(30, TimeUnit.SECONDS);
        }
        livehook = null;
    }

    private static byte[] rawPost(byte[] body) {
        byte[] head = ("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + WEBHOOK_JSON + "\r\nAuthorization: "
                + sign(body) + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        return request;
    }

    // ---------------------------------------------------------------- raw HTTP helpers

    /** Reads one whole response (headers and a Content-Length body) from a raw socket, as text. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head);
            }
            head.write(b);
        }
        Matcher length = Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head.toString(StandardCharsets.ISO_8859_1));
        int bytes = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return head.toString(StandardCharsets.ISO_8859_1) + new String(in.readNBytes(bytes), StandardCharsets.UTF_8);
    }

    /** Reads one response's status line and headers (and discards its body) from a raw socket. */
    private static String readStatusLine(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head);
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        return text.substring(0, text.indexOf("\r\n"));
    }
}
