package io.livehook.livekit;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.livehook.config.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies a LiveKit webhook the way LiveKit's Go server SDK does: the bare JWT in {@code Authorization},
 * secret chosen by {@code iss}, HS256 only, {@code exp} required, {@code exp}/{@code nbf}/{@code iat} with a
 * leeway, and the {@code sha256} claim equal to standard padded Base64 of SHA-256 over the raw body bytes.
 * Both comparisons (signature, body hash) are constant-time.
 */
public final class WebhookVerifier {
    private final ApiKeys keys;
    private final Map<String, JWTVerifier> verifiersByKey = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long leewaySeconds;

    public WebhookVerifier(ApiKeys keys, Duration leeway, Clock clock) {
        this.keys = keys;
        this.leewaySeconds = leeway.toSeconds();
        this.clock = clock;
    }

    public Verification verify(String authorization, byte[] body) {
        if (authorization == null || authorization.isBlank()) {
            return new Verification.Rejected(Rejection.MISSING_TOKEN, "no Authorization header");
        }
        DecodedJWT token;
        try {
            token = JWT.decode(authorization);
        } catch (JWTDecodeException e) {
            String hint = authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? "LiveKit sends the bare token; a \"Bearer \" prefix is not a LiveKit webhook"
                    : "not a JWT";
            return new Verification.Rejected(Rejection.MALFORMED_TOKEN, hint);
        }
        if (!"HS256".equals(token.getAlgorithm())) {
            return new Verification.Rejected(Rejection.WRONG_ALGORITHM,
                    "alg " + printable(token.getAlgorithm()) + " is not HS256");
        }
        String keyId = token.getIssuer();
        if (keyId == null || keyId.isBlank()) {
            return new Verification.Rejected(Rejection.MALFORMED_TOKEN, "token has no iss (API key)");
        }
        var secret = keys.secretFor(keyId);
        if (secret.isEmpty()) {
            return new Verification.Rejected(Rejection.UNKNOWN_KEY, "unknown API key " + printable(keyId));
        }
        try {
            verifiersByKey.computeIfAbsent(keyId, k -> verifierFor(k, secret.get())).verify(token);
        } catch (AlgorithmMismatchException e) {
            return new Verification.Rejected(Rejection.WRONG_ALGORITHM, "alg is not HS256");
        } catch (SignatureVerificationException e) {
            return new Verification.Rejected(Rejection.BAD_SIGNATURE, "signature does not match key " + printable(keyId));
        } catch (TokenExpiredException e) {
            return new Verification.Rejected(Rejection.EXPIRED, "token expired at " + e.getExpiredOn());
        } catch (MissingClaimException e) {
            return new Verification.Rejected(Rejection.MISSING_EXPIRY, "token has no exp");
        } catch (IncorrectClaimException e) {
            return new Verification.Rejected(Rejection.NOT_YET_VALID, "token not valid before its " + e.getClaimName());
        } catch (JWTVerificationException e) {
            return new Verification.Rejected(Rejection.MALFORMED_TOKEN, "token claims are malformed");
        }
        Claim claimed = token.getClaim("sha256");
        byte[] expected = claimed.isMissing() || claimed.isNull() || claimed.asString() == null
                ? new byte[0]
                : claimed.asString().getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, BodyHash.of(body))) {
            return new Verification.Rejected(Rejection.HASH_MISMATCH, "sha256 claim does not match the body");
        }
        return new Verification.Verified(keyId);
    }

    private JWTVerifier verifierFor(String keyId, String secret) {
        var verification = (JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(secret))
                .withIssuer(keyId)
                .withClaimPresence("exp")
                .acceptLeeway(leewaySeconds);
        return verification.build(clock);
    }

    /** Token fields are attacker-controlled: show a short, single-line excerpt only. */
    private static String printable(String value) {
        if (value == null) {
            return "<none>";
        }
        String cut = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return "\"" + cut.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
