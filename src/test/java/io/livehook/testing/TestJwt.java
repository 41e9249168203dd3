package io.livehook.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A tiny JWT maker for tests, built on {@code javax.crypto.Mac} only, so that it shares no code with the
 * java-jwt library the verifier uses. Header and claims are given as raw JSON text: a test can say exactly
 * what goes on the wire, including wrong things.
 */
public final class TestJwt {
    public static final String HS256_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

    private TestJwt() {}

    /** A token shaped like LiveKit's webhook notifier's: iss, nbf = iat = now, exp = now + 5 min, sha256. */
    public static String webhook(String apiKey, String secret, byte[] body, Instant now) {
        long t = now.getEpochSecond();
        return hs256(secret, claims(apiKey, t + 300, t, t, sha256Base64(body)));
    }

    /** The claims JSON LiveKit sends; a null {@code exp}, {@code nbf} or {@code sha256} leaves that claim out. */
    public static String claims(String iss, Long exp, Long nbf, Long iat, String sha256) {
        StringBuilder json = new StringBuilder("{\"iss\":\"").append(iss).append('"');
        if (exp != null) {
            json.append(",\"exp\":").append(exp);
        }
        if (nbf != null) {
            json.append(",\"nbf\":").append(nbf);
        }
        if (iat != null) {
            json.append(",\"iat\":").append(iat);
        }
        if (sha256 != null) {
            json.append(",\"sha256\":\"").append(sha256).append('"');
        }
        return json.append('}').toString();
    }

    public static String hs256(String secret, String claimsJson) {
        return sign("HmacSHA256", secret, HS256_HEADER, claimsJson);
    }

    /** header.claims.signature with the given JCA MAC algorithm ("HmacSHA256", "HmacSHA512"). */
    public static String sign(String macAlgorithm, String secret, String headerJson, String claimsJson) {
        String signingInput = b64url(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
                + b64url(claimsJson.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance(macAlgorithm);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), macAlgorithm));
            return signingInput + "." + b64url(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token: {@code alg: none}, empty signature part. */
    public static String unsigned(String claimsJson) {
        return b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64url(claimsJson.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    public static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What LiveKit puts in the sha256 claim: standard alphabet, padded. */
    public static String sha256Base64(byte[] body) {
        return Base64.getEncoder().encodeToString(sha256(body));
    }

    public static String b64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
