package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import io.livekit.server.WebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import livekit.LivekitWebhook.WebhookEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What receivers check: LiveKit's official SDK in livekit mode, the Standard Webhooks spec in the other. */
class SigningTest {
    private static final String DEST_KEY = "APIdestination";
    private static final String DEST_SECRET = "destination-secret-not-the-ingest-one";

    @TempDir
    Path dir;

    /** Spacing after commas and non-ASCII text, as some LiveKit builds send them: must arrive untouched. */
    static byte[] oddBody(String id) {
        return ("{\"event\":\"participant_joined\", \"room\":{\"sid\":\"RM_cafe\", \"name\":\"café ☕ 会議\"}, "
                + "\"participant\":{\"sid\":\"PA_1\", \"identity\":\"zoë\", \"state\":\"ACTIVE\", "
                + "\"metadata\":\"{\\\"emoji\\\":\\\"\uD83D\uDE00\\\"}\"}, \"id\":\"" + id + "\", "
                + "\"createdAt\":\"1771351907\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void the_official_java_sdk_accepts_what_livehook_forwards_in_livekit_mode() throws Exception {
        WebhookReceiver sdk = new WebhookReceiver(DEST_KEY, DEST_SECRET);
        List<WebhookEvent> parsed = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestReceiver receiver = TestReceiver.start().behave(r -> {
                    try {
                        parsed.add(sdk.receive(new String(r.body(), StandardCharsets.UTF_8), r.header("Authorization")));
                        return TestReceiver.Answer.ok();
                    } catch (RuntimeException e) {
                        return new TestReceiver.Answer(401, Duration.ofMillis(0), Map.of(), e.toString());
                    }
                });
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            signing: {mode: livekit, api_key: %s, api_secret: %s}
                        """.formatted(receiver.url(), DEST_KEY, DEST_SECRET)).start()) {
            String id = LivehookFixture.newEventId();
            byte[] body = oddBody(id);
            assertThat(lh.webhook(body)).isEqualTo(200);
            LivehookFixture.await(Duration.ofSeconds(10), "accepted by the SDK and recorded delivered",
                    () -> parsed.size() == 1 && lh.deliveryStore().count("app", Delivery.DELIVERED) == 1);

            TestReceiver.Request request = receiver.requests().get(0);
            assertThat(request.body()).as("byte for byte").isEqualTo(body);
            assertThat(request.header("Content-Type")).isEqualTo("application/webhook+json");
            assertThat(request.header("Authorization")).doesNotStartWith("Bearer").contains(".");
            assertThat(request.header("Livehook-Attempt")).isEqualTo("1");
            assertThat(request.header("Livehook-Origin")).as("LiveKit's event, not a correction").isEqualTo("livekit");
            assertThat(parsed.get(0).getId()).isEqualTo(id);
            assertThat(parsed.get(0).getRoom().getName()).isEqualTo("café ☕ 会議");
        }
    }

    @Test
    void standard_webhooks_signature_verifies_by_the_spec() throws Exception {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        String secret = "whsec_" + Base64.getEncoder().encodeToString(key);
        try (TestReceiver receiver = TestReceiver.start().behave(r -> verify(key, r)
                        ? TestReceiver.Answer.ok() : new TestReceiver.Answer(401, Duration.ofMillis(0), Map.of(), "bad signature"));
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            signing: {mode: standard-webhooks, secret: "%s"}
                        """.formatted(receiver.url(), secret)).start()) {
            String id = LivehookFixture.newEventId();
            byte[] body = oddBody(id);
            assertThat(lh.webhook(body)).isEqualTo(200);
            LivehookFixture.await(Duration.ofSeconds(10), "delivered", () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 1);
            TestReceiver.Request request = receiver.requests().get(0);
            assertThat(request.body()).isEqualTo(body);
            assertThat(request.header("webhook-id")).isEqualTo(id);
            assertThat(request.header("Authorization")).isNull();
            assertThat(request.header("Livehook-Attempt")).isEqualTo("1");
            assertThat(receiver.accepted()).containsExactly(id);
            assertThat(lh.livehook().toString()).doesNotContain(secret);
        }
    }

    /** Standard Webhooks verification, written from the spec, independent of livehook's signer. */
    static boolean verify(byte[] key, TestReceiver.Request r) {
        try {
            String id = r.header("webhook-id");
            String timestamp = r.header("webhook-timestamp");
            String signatures = r.header("webhook-signature");
            if (id == null || timestamp == null || signatures == null) {
                return false;
            }
            if (Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp)) > 300) {
                return false;
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] signed = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
            byte[] content = new byte[signed.length + r.body().length];
            System.arraycopy(signed, 0, content, 0, signed.length);
            System.arraycopy(r.body(), 0, content, signed.length, r.body().length);
            byte[] expected = Base64.getEncoder().encode(mac.doFinal(content));
            for (String candidate : signatures.split(" ")) {
                if (candidate.startsWith("v1,") && MessageDigest.isEqual(expected,
                        candidate.substring(3).getBytes(StandardCharsets.US_ASCII))) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
