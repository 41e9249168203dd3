package io.livehook.livekit;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/**
 * LiveKit's tokens for one API key: HS256 with the API secret, {@code iss} = the key, {@code nbf} = {@code iat}
 * = now, {@code exp} = now + {@link #VALIDITY}. A webhook's token carries the body's {@code sha256}; an API
 * call's carries its grants in {@code video} and goes after {@code Bearer }.
 */
public final class AccessToken {
    /** What LiveKit gives a webhook's token; API tokens for one call need no longer. */
    public static final Duration VALIDITY = Duration.ofMinutes(5);

    private final String apiKey;
    private final Algorithm algorithm;
    private final Clock clock;

    public AccessToken(String apiKey, String apiSecret, Clock clock) {
        this.apiKey = apiKey;
        this.algorithm = Algorithm.HMAC256(apiSecret);
        this.clock = clock;
    }

    public String apiKey() {
        return apiKey;
    }

    /** A webhook's token: covers exactly these body bytes. */
    public String forBody(byte[] body) {
        return builder().withClaim("sha256", BodyHash.text(body)).sign(algorithm);
    }

    /** An API call's token, with only the grant that call needs. */
    public String forGrant(VideoGrant grant) {
        return builder().withClaim("video", grant.claim()).sign(algorithm);
    }

    private com.auth0.jwt.JWTCreator.Builder builder() {
        Instant now = clock.instant();
        return JWT.create()
                .withIssuer(apiKey)
                .withNotBefore(Date.from(now))
                .withIssuedAt(Date.from(now))
                .withExpiresAt(Date.from(now.plus(VALIDITY)));
    }

    /**
     * The grant of an {@code Authorization: Bearer <token>} value, checked as LiveKit's server checks an API
     * call: signed by this key's secret, {@code exp} present and not passed.
     *
     * @throws IllegalArgumentException why the token is refused (never containing the token)
     */
    public VideoGrant verifyBearer(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            throw new IllegalArgumentException("expected Authorization: Bearer <token>");
        }
        DecodedJWT token;
        try {
            token = JWT.decode(authorization.substring("Bearer ".length()).strip());
            if (!apiKey.equals(token.getIssuer())) {
                throw new IllegalArgumentException("unknown API key");
            }
            if (token.getExpiresAtAsInstant() == null) {
                throw new IllegalArgumentException("exp is required");
            }
            token = ((com.auth0.jwt.JWTVerifier.BaseVerification) JWT.require(algorithm).withIssuer(apiKey)).build(clock)
                    .verify(token);
        } catch (JWTVerificationException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        Claim video = token.getClaim("video");
        Map<String, Object> claim = video.isMissing() || video.isNull() ? null : video.asMap();
        return VideoGrant.of(claim == null ? Map.of() : claim);
    }

    @Override
    public String toString() {
        return "AccessToken[" + apiKey + "]";
    }
}
