package io.livehook.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * Who may read the API (and the dashboard): a caller presenting {@code Authorization: Bearer <token>} with
 * the configured token. Without a configured token the API is open in --dev and closed otherwise, so a
 * forgotten token never exposes raw events. Tokens are compared as SHA-256 digests in constant time (the
 * digest hides the length too), and no answer ever contains a token.
 */
public final class ApiAuth {
    static final String NO_TOKEN_CONFIGURED = "The API is closed because no API token is configured: set "
            + "LIVEHOOK_API_TOKEN (or api.token in the config file) and send \"Authorization: Bearer <token>\".";
    static final String MISSING = "Missing API token: send \"Authorization: Bearer <token>\".";
    static final String INVALID = "Invalid API token.";

    private final byte[] expectedDigest;
    private final boolean open;

    public ApiAuth(Optional<String> token, boolean dev) {
        this.expectedDigest = token.filter(t -> !t.isBlank()).map(ApiAuth::digest).orElse(null);
        this.open = expectedDigest == null && dev;
    }

    /** The outcome of one check: allowed, or denied with a message safe to show the caller. */
    public sealed interface Decision {
        boolean allowed();
    }

    public record Allowed() implements Decision {
        @Override
        public boolean allowed() {
            return true;
        }
    }

    public record Denied(String message) implements Decision {
        @Override
        public boolean allowed() {
            return false;
        }
    }

    /** Checks the request's {@code Authorization} header value (null when absent). */
    public Decision check(String authorization) {
        if (open) {
            return new Allowed();
        }
        if (expectedDigest == null) {
            return new Denied(NO_TOKEN_CONFIGURED);
        }
        String presented = bearer(authorization);
        if (presented == null) {
            return new Denied(MISSING);
        }
        return MessageDigest.isEqual(expectedDigest, digest(presented)) ? new Allowed() : new Denied(INVALID);
    }

    /** Whether anyone may read without a token (dev mode with no token configured). */
    public boolean open() {
        return open;
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return null;
        }
        String token = value.substring(space + 1).strip();
        return token.isEmpty() ? null : token;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "ApiAuth[" + (open ? "open (dev, no token)" : expectedDigest == null ? "closed (no token)" : "token") + "]";
    }
}
