package io.livehook.deliver;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks scheme: {@code webhook-id} (the event id), {@code webhook-timestamp} (Unix seconds)
 * and {@code webhook-signature} = {@code v1,} + base64 HMAC-SHA256 over {@code id.timestamp.body}, keyed
 * with the bytes the {@code whsec_} secret decodes to.
 */
final class StandardWebhooksSigner implements RequestSigner {
    private final SecretKeySpec key;
    private final Clock clock;

    StandardWebhooksSigner(byte[] secret, Clock clock) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.clock = clock;
    }

    @Override
    public Map<String, String> headers(String eventId, byte[] body) {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        return Map.of("webhook-id", eventId, "webhook-timestamp", timestamp,
                "webhook-signature", "v1," + sign(eventId, timestamp, body));
    }

    String sign(String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "StandardWebhooksSigner[secret=<hidden>]";
    }
}
