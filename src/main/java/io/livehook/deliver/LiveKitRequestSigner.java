package io.livehook.deliver;

import io.livehook.config.DestinationConfig;
import io.livehook.livekit.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/** LiveKit's own scheme: a fresh HS256 token per attempt, bare in {@code Authorization}. */
final class LiveKitRequestSigner implements RequestSigner {
    private final WebhookSigner signer;

    LiveKitRequestSigner(DestinationConfig.Signing signing, Clock clock) {
        this.signer = new WebhookSigner(signing.keyId(), new String(signing.secret(), StandardCharsets.UTF_8), clock);
    }

    @Override
    public Map<String, String> headers(String eventId, byte[] body) {
        return Map.of("Authorization", signer.sign(body));
    }

    @Override
    public String toString() {
        return "LiveKitRequestSigner[" + signer.apiKey() + "]";
    }
}
