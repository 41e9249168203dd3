package io.livehook.metrics;

import static io.livehook.metrics.Scrape.pairs;
import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.livekit.WebhookSigner;
import io.livehook.testing.LivehookFixture;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted run of a real livehook over HTTP — appended, duplicate, rejected, quarantined, dead-lettered
 * and anomalous events — then one scrape of {@code /metrics}: every counter moved by exactly what the
 * script did, and nothing else moved.
 */
class MetricsScenarioTest {
    private static final String ROOM_STARTED = """
            {"id":"EV_room_started","event":"room_started","room":{"sid":"RM_obs","name":"observe-room"},"createdAt":"1700000000"}""";
    private static final String TRACK_FROM_STRANGER = """
            {"id":"EV_track","event":"track_published","room":{"sid":"RM_obs","name":"observe-room"},\
            "participant":{"sid":"PA_stranger","identity":"stranger"},"track":{"sid":"TR_1","type":"AUDIO"},"createdAt":"1700000005"}""";
    private static final String FORGED = """
            {"id":"EV_forged","event":"room_finished","room":{"sid":"RM_obs","name":"observe-room"},"createdAt":"1700000009"}""";
    private static final String WITHOUT_ID = """
            {"event":"room_started","room":{"sid":"RM_noid","name":"no-id"}}""";
    private static final String UNPARSEABLE = """
            {"id":"EV_bad_time","event":"room_started","room":{"sid":"RM_bad","name":"bad-time"},"createdAt":"not-a-number"}""";

    @TempDir
    Path dataDir;

    @Test
    void everyAnswerAndEveryProcessingOutcomeIsCountedExactlyOnce() throws Exception {
        try (LivehookFixture lh = LivehookFixture.in(dataDir).reconcilingNowhere().start()) {
            Scrape before = Scrape.parse(lh.metricsText());

            assertAnswer(lh.postWebhook(ROOM_STARTED), 200, "appended");
            assertAnswer(lh.postWebhook(ROOM_STARTED), 200, "duplicate"); // LiveKit retrying: a fresh token, same event
            assertAnswer(lh.postWebhook(TRACK_FROM_STRANGER), 200, "appended");
            WebhookSigner wrongSecret = new WebhookSigner(LivehookFixture.API_KEY, "not-the-secret", Clock.systemUTC());
            assertAnswer(lh.postWebhook(FORGED, wrongSecret.sign(FORGED.getBytes(StandardCharsets.UTF_8))), 401,
                    "rejected bad_signature");
            assertAnswer(lh.postWebhook(WITHOUT_ID), 202, "quarantined missing_id");
            assertAnswer(lh.postWebhook(UNPARSEABLE), 200, "appended"); // the header is fine, protobuf is not
            int requests = 6;

            lh.awaitCaughtUp();
            Scrape after = Scrape.parse(lh.metricsText());

            assertThat(after.changedSince(before, "livehook_ingest_requests_total")).isEqualTo(Map.of(
                    pairs("status", "200", "outcome", "appended", "reason", "none"), 3.0,
                    pairs("status", "200", "outcome", "duplicate", "reason", "none"), 1.0,
                    pairs("status", "401", "outcome", "rejected", "reason", "bad_signature"), 1.0,
                    pairs("status", "202", "outcome", "quarantined", "reason", "missing_id"), 1.0));
            assertThat(delta(after, before, "livehook_ingest_ack_seconds_count")).isEqualTo(requests);
            assertThat(delta(after, before, "livehook_ingest_ack_seconds_bucket", "le", "+Inf")).isEqualTo(requests);
            assertThat(delta(after, before, "livehook_ingest_body_bytes_count")).isEqualTo(requests);

            // The duplicate was stopped at ingest: three events in the log, each processed once.
            assertThat(after.sum("livehook_log_head")).isEqualTo(3.0);
            assertThat(after.changedSince(before, "livehook_process_events_total")).isEqualTo(Map.of(
                    pairs("outcome", "applied", "type", "room_started"), 1.0,
                    pairs("outcome", "applied", "type", "track_published"), 1.0,
                    pairs("outcome", "dead_lettered", "type", "room_started"), 1.0));
            assertThat(delta(after, before, "livehook_process_delay_seconds_count")).isEqualTo(2.0);

            assertThat(after.changedSince(before, "livehook_process_anomalies_total"))
                    .isEqualTo(Map.of(pairs("kind", "track_from_unknown_participant"), 1.0));
            assertThat(after.sum("livehook_process_dead_letters")).isEqualTo(1.0);
            assertThat(after.sum("livehook_rooms_active")).isEqualTo(1.0);
            assertThat(after.sum("livehook_process_lag_events")).isZero();
            assertThat(after.sum("livehook_process_lag_seconds")).isZero();
        }
    }

    private static void assertAnswer(HttpResponse<String> response, int status, String body) {
        assertThat(response.statusCode()).as("status of %s", response.body().strip()).isEqualTo(status);
        assertThat(response.body().strip()).isEqualTo(body);
    }

    private static double delta(Scrape after, Scrape before, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }
}
