package io.livehook.livekit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The {@code sha256} claim of a webhook token: standard padded Base64 of SHA-256 over the exact body bytes
 * (never a re-serialized body: LiveKit's JSON writer is not stable across server builds).
 */
public final class BodyHash {
    private BodyHash() {}

    /** The claim's value as ASCII bytes, for a constant-time comparison. */
    public static byte[] of(byte[] body) {
        try {
            return Base64.getEncoder().encode(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The claim's value as text. */
    public static String text(byte[] body) {
        return new String(of(body), StandardCharsets.US_ASCII);
    }
}
