package io.livehook.livekit;

import java.time.Clock;

/**
 * Signs a webhook body the way LiveKit's notifier does: a fresh {@link AccessToken} covering the body's
 * {@code sha256}, sent bare in {@code Authorization}, with no "Bearer " prefix.
 */
public final class WebhookSigner {
    private final AccessToken tokens;

    public WebhookSigner(String apiKey, String apiSecret, Clock clock) {
        this.tokens = new AccessToken(apiKey, apiSecret, clock);
    }

    /** The {@code Authorization} value for these exact bytes. */
    public String sign(byte[] body) {
        return tokens.forBody(body);
    }

    public String apiKey() {
        return tokens.apiKey();
    }

    @Override
    public String toString() {
        return "WebhookSigner[" + tokens.apiKey() + "]";
    }
}
