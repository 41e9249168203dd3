package io.livehook.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.Livehook;
import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real livehook on loopback fed one known story through its webhook endpoint, signed like LiveKit:
 *
 * <pre>
 * room "weekly-sync" RM_sync (T0 = 20 minutes ago; times are T0 + seconds), still active:
 *   +10 alice joins            +25 bob joins, with a hostile display name
 *   +40 alice publishes her microphone      +55 bob publishes his camera
 *   +90 carol publishes a screen share, never seen joining: anomaly track_from_unknown_participant
 *   +200 bob unpublishes his camera         +260 bob leaves
 * room "retro" RM_retro: +100 started, +110 dave joins, +400 finished with dave still in it
 *   (anomaly session_ended_by_room_finished)
 * room RM_hostile, named with markup, started and finished
 * EV_bad: a participant_joined whose createdAt is not a number: dead-lettered
 * a signed body that is not JSON: quarantined
 * </pre>
 *
 * Three destinations receive what is applied: {@code app} takes everything; {@code audit} takes only
 * room_finished and refuses it until {@link #auditRefuses} is cleared (two dead deliveries, one of the hostile
 * room); {@code crm} is down, its circuit open after the first failure for an hour, so all its deliveries wait.
 */
final class Story implements AutoCloseable {
    static final String HOSTILE_NAME = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    static final String HOSTILE_ROOM = "<img src=x onerror=alert(4)>lobby";
    static final long T0 = System.currentTimeMillis() / 1000 - 20 * 60;
    static final ObjectMapper JSON = new ObjectMapper();

    final TestReceiver app;
    final TestReceiver audit;
    final TestReceiver crm;
    final AtomicBoolean auditRefuses = new AtomicBoolean(true);
    final LivehookFixture fixture;
    final Livehook livehook;
    final String token;
    /** Every body posted, by event id, exactly as sent. */
    final Map<String, String> bodies = new LinkedHashMap<>();

    private Story(Path dataDir, String token, boolean dev) throws IOException {
        this.app = TestReceiver.start();
        this.audit = TestReceiver.start().behave(r -> auditRefuses.get() ? TestReceiver.Answer.status(400)
                : TestReceiver.Answer.ok());
        this.crm = TestReceiver.down();
        this.fixture = LivehookFixture.in(dataDir).token(token).dev(dev).yaml("""
                destinations:
                  - name: app
                    url: %s
                  - name: audit
                    url: %s
                    events: {include: [room_finished]}
                  - name: crm
                    url: %s
                    timeout_seconds: 2
                    circuit: {failure_threshold: 1, open_seconds: 3600}
                """.formatted(app.url(), audit.url(), crm.url())).start();
        this.livehook = fixture.livehook();
        this.token = token;
    }

    /** A livehook with {@code token} (null: none) in --dev or not; nothing posted yet. */
    static Story start(Path dataDir, String token, boolean dev) {
        try {
            return new Story(dataDir, token, dev);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Posts the whole story and waits until it is processed. */
    Story tell() throws InterruptedException {
        String sync = "\"room\":{\"sid\":\"RM_sync\",\"name\":\"weekly-sync\"}";
        post("EV_rs", "room_started", 0, "\"room\":{\"sid\":\"RM_sync\",\"name\":\"weekly-sync\",\"creationTime\":\""
                + T0 + "\",\"metadata\":\"{\\\"topic\\\":\\\"<b>planning</b>\\\"}\"}");
        post("EV_ja", "participant_joined", 10, sync + "," + participant("PA_alice", "alice", "Alice Liddell", 10));
        post("EV_jb", "participant_joined", 25, sync + "," + participant("PA_bob", "bob", HOSTILE_NAME
                .replace("\"", "\\\""), 25));
        post("EV_pa", "track_published", 40, sync + ",\"participant\":{\"sid\":\"PA_alice\",\"identity\":\"alice\"},"
                + "\"track\":{\"sid\":\"TR_alice_mic\",\"type\":\"AUDIO\",\"source\":\"MICROPHONE\","
                + "\"mimeType\":\"audio/opus\",\"name\":\"mic\"}");
        post("EV_pb", "track_published", 55, sync + ",\"participant\":{\"sid\":\"PA_bob\",\"identity\":\"bob\"},"
                + "\"track\":{\"sid\":\"TR_bob_cam\",\"type\":\"VIDEO\",\"source\":\"CAMERA\","
                + "\"mimeType\":\"video/vp8\",\"name\":\"cam\"}");
        post("EV_pc", "track_published", 90, sync + ",\"participant\":{\"sid\":\"PA_carol\",\"identity\":\"carol\"},"
                + "\"track\":{\"sid\":\"TR_carol_screen\",\"type\":\"VIDEO\",\"source\":\"SCREEN_SHARE\","
                + "\"mimeType\":\"video/vp8\",\"name\":\"screen\"}");
        post("EV_ub", "track_unpublished", 200, sync + ",\"participant\":{\"sid\":\"PA_bob\",\"identity\":\"bob\"},"
                + "\"track\":{\"sid\":\"TR_bob_cam\",\"type\":\"VIDEO\",\"source\":\"CAMERA\"}");
        post("EV_lb", "participant_left", 260, sync + ",\"participant\":{\"sid\":\"PA_bob\",\"identity\":\"bob\","
                + "\"state\":\"DISCONNECTED\",\"disconnectReason\":\"CLIENT_INITIATED\"}");

        String retro = "\"room\":{\"sid\":\"RM_retro\",\"name\":\"retro\"}";
        post("EV_rs2", "room_started", 100, "\"room\":{\"sid\":\"RM_retro\",\"name\":\"retro\",\"creationTime\":\""
                + (T0 + 100) + "\"}");
        post("EV_jd", "participant_joined", 110, retro + "," + participant("PA_dave", "dave", "Dave", 110));
        post("EV_rf2", "room_finished", 400, retro);

        String hostile = "\"room\":{\"sid\":\"RM_hostile\",\"name\":\"" + HOSTILE_ROOM + "\"}";
        post("EV_rs3", "room_started", 500, hostile);
        post("EV_rf3", "room_finished", 560, hostile);

        String bad = "{\"id\":\"EV_bad\",\"event\":\"participant_joined\",\"createdAt\":\"not-a-number\","
                + "\"room\":{\"name\":\"weekly-sync\"}}";
        assertThat(webhook(bad)).isEqualTo(200);
        bodies.put("EV_bad", bad);
        assertThat(webhook("this is not json <script>alert(3)</script>")).isEqualTo(202);
        fixture.awaitCaughtUp();
        LivehookFixture.await(Duration.ofSeconds(20), "deliveries settled: app's delivered, audit's dead, crm's circuit "
                + "open", () -> fixture.deliveryStore().count("app", Delivery.PENDING) == 0
                && fixture.deliveryStore().count("audit", Delivery.DEAD) == 2
                && fixture.meter("livehook.delivery.circuit.state", "destination", "crm") == 2);
        return this;
    }

    /** The rooms of {@link #tellSpans}: sid, and how long each lived. */
    static final Map<String, String> SPANS = Map.of("RM_span_s", "45 seconds", "RM_span_h", "7 hours",
            "RM_span_d", "12 days", "RM_span_m", "4 months");

    /**
     * Four finished rooms whose timelines span seconds, hours, days and months; the last is busy on a few days
     * only (sessions at its start, after 5 weeks, after 14 weeks, its finish after 17), so its axis squeezes the
     * weeks between.
     */
    Story tellSpans() throws InterruptedException {
        long day = 86_400;
        long start = System.currentTimeMillis() / 1000 - 130 * day;
        spanRoom("RM_span_s", "span-seconds", start, new long[][] {{5, 30}, {12, 40}, {20, 44}}, 45);
        spanRoom("RM_span_h", "span-hours", start, new long[][] {{600, 9_000}, {1_800, 25_200}, {12_000, 20_000}},
                25_300);
        long[][] daily = new long[12][];
        for (int d = 0; d < 12; d++) {
            daily[d] = new long[] {d * day + 3_600, d * day + 5 * 3_600};
        }
        spanRoom("RM_span_d", "span-days", start, daily, 12 * day);
        spanRoom("RM_span_m", "span-months", start, new long[][] {{60, 3_600}, {35 * day, 35 * day + 7_200},
            {35 * day + 1_800, 35 * day + 5_400}, {100 * day, 100 * day + 2_700}}, 120 * day);
        fixture.awaitCaughtUp();
        LivehookFixture.await(Duration.ofSeconds(20), "the rooms' deliveries settled",
                () -> fixture.deliveryStore().count("app", Delivery.PENDING) == 0
                        && fixture.deliveryStore().count("audit", Delivery.DEAD) == 2 + SPANS.size());
        return this;
    }

    /** A room started at {@code start} (Unix seconds), one participant per {join, leave} offset pair, finished. */
    private void spanRoom(String sid, String name, long start, long[][] sessions, long finish) {
        String room = "\"room\":{\"sid\":\"" + sid + "\",\"name\":\"" + name + "\"}";
        post(sid + "_start", "room_started", start, room);
        for (int i = 0; i < sessions.length; i++) {
            String who = "\"participant\":{\"sid\":\"PA_" + sid + "_" + i + "\",\"identity\":\"p" + i + "\"";
            post(sid + "_join" + i, "participant_joined", start + sessions[i][0], room + "," + who
                    + ",\"state\":\"ACTIVE\",\"joinedAt\":\"" + (start + sessions[i][0]) + "\"}");
            post(sid + "_left" + i, "participant_left", start + sessions[i][1], room + "," + who
                    + ",\"state\":\"DISCONNECTED\"}");
        }
        post(sid + "_finish", "room_finished", start + finish, room);
    }

    private void post(String id, String type, int atSeconds, String fields) {
        post(id, type, T0 + atSeconds, fields);
    }

    private void post(String id, String type, long createdAtSeconds, String fields) {
        String body = "{\"id\":\"" + id + "\",\"event\":\"" + type + "\",\"createdAt\":\"" + createdAtSeconds + "\","
                + fields + "}";
        assertThat(webhook(body)).as("webhook %s", body).isEqualTo(200);
        bodies.put(id, body);
    }

    private static String participant(String sid, String identity, String name, int joinedAtSeconds) {
        return "\"participant\":{\"sid\":\"" + sid + "\",\"identity\":\"" + identity + "\",\"name\":\"" + name
                + "\",\"state\":\"ACTIVE\",\"joinedAt\":\"" + (T0 + joinedAtSeconds) + "\"}";
    }

    String base() {
        return fixture.base();
    }

    URI uri(String path) {
        return fixture.uri(path);
    }

    int webhook(String body) {
        return fixture.webhook(body);
    }

    /** GET with the given headers (name, value, ...). */
    HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request);
    }

    HttpResponse<String> post(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request);
    }

    /** An API answer read with the bearer token. */
    JsonNode api(String path) {
        HttpResponse<String> response = get(path, "Authorization", "Bearer " + token);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        return fixture.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        fixture.close();
        app.close();
        audit.close();
        crm.close();
    }
}
