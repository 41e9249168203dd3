package io.livehook.deliver;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.livehook.ingest.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Signs a body the way LiveKit's webhook notifier does: an HS256 JWT with {@code iss} = API key,
 * {@code nbf} = {@code iat} = now, {@code exp} = now + 5 minutes, and {@code sha256} = standard Base64 of
 * SHA-256 over the exact bytes. The token goes bare in {@code Authorization}, with no "Bearer " prefix.
 */
public final class LiveKitSigner {
    public static final Duration VALIDITY = Duration.ofMinutes(5);

    private final String apiKey;
    private final Algorithm algorithm;
    private final Clock clock;

    public LiveKitSigner(String apiKey, String apiSecret, Clock clock) {
        this.apiKey = apiKey;
        this.algorithm = Algorithm.HMAC256(apiSecret);
        this.clock = clock;
    }

    public String sign(byte[] body) {
        Instant now = clock.instant();
        return JWT.create()
                .withIssuer(apiKey)
                .withNotBefore(Date.from(now))
                .withIssuedAt(Date.from(now))
                .withExpiresAt(Date.from(now.plus(VALIDITY)))
                .withClaim("sha256", new String(WebhookVerifier.bodyHash(body), StandardCharsets.US_ASCII))
                .sign(algorithm);
    }

    public String apiKey() {
        return apiKey;
    }

    @Override
    public String toString() {
        return "LiveKitSigner[" + apiKey + "]";
    }
}
