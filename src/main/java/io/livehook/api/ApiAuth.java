package io.livehook.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who may read the API and the dashboard: a caller presenting {@code Authorization: Bearer <token>} with
 * the configured token, or a browser holding a dashboard session cookie it got by logging in with that
 * token. Without a configured token everything is open in --dev and closed otherwise, so a forgotten token
 * never exposes raw events. Tokens are compared as SHA-256 digests in constant time (the digest hides the
 * length too), and no answer ever contains a token.
 *
 * <p>A session cookie never holds the token itself: it is {@code v1.<issued epoch s>.<nonce>.<mac>}, the
 * MAC an HMAC-SHA256 keyed with the token over the issue time and nonce, checked in constant time and
 * refused after {@link #SESSION_LIFETIME}. Changing the token ends every session. A request authenticated
 * by the cookie that changes something (any method but GET and HEAD) must also carry {@link #CSRF_HEADER}
 * with the session's CSRF token, which the dashboard pages hold; another site can neither read it nor
 * send a custom header without a CORS preflight livehook never answers. Bearer callers need no CSRF token:
 * a browser never adds that header by itself.
 */
public final class ApiAuth {
    public static final String SESSION_COOKIE = "livehook_session";
    public static final String CSRF_HEADER = "X-Livehook-Csrf";
    public static final Duration SESSION_LIFETIME = Duration.ofHours(12);
    static final String NO_TOKEN_CONFIGURED = "The API is closed because no API token is configured: set "
            + "LIVEHOOK_API_TOKEN (or api.token in the config file) and send \"Authorization: Bearer <token>\".";
    static final String MISSING = "Missing API token: send \"Authorization: Bearer <token>\".";
    static final String INVALID = "Invalid API token.";
    static final String SESSION_INVALID = "Dashboard session invalid or expired: log in again at /dashboard/login.";
    static final String CSRF_MISSING = "A request with the dashboard session cookie that changes something must "
            + "carry the " + CSRF_HEADER + " header of the session (the dashboard pages send it).";
    private static final String SESSION_VERSION = "v1";
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] expectedDigest;
    private final SecretKeySpec macKey;
    private final boolean open;
    private final Clock clock;

    public ApiAuth(Optional<String> token, boolean dev) {
        this(token, dev, Clock.systemUTC());
    }

    public ApiAuth(Optional<String> token, boolean dev, Clock clock) {
        Optional<String> configured = token.filter(t -> !t.isBlank());
        this.expectedDigest = configured.map(ApiAuth::digest).orElse(null);
        this.macKey = configured.map(t -> new SecretKeySpec(t.getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
                .orElse(null);
        this.open = expectedDigest == null && dev;
        this.clock = clock;
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

    /** Not authenticated: 401. */
    public record Denied(String message) implements Decision {
        @Override
        public boolean allowed() {
            return false;
        }
    }

    /** Authenticated by the session cookie, but a change without the session's CSRF token: 403. */
    public record Forbidden(String message) implements Decision {
        @Override
        public boolean allowed() {
            return false;
        }
    }

    /** What a request presents: its {@code Authorization} value, session cookies, method, CSRF header. */
    public record Credentials(String authorization, Collection<String> sessionCookies, boolean changes,
            String csrfHeader) {}

    /** Checks the request's {@code Authorization} header value (null when absent). */
    public Decision check(String authorization) {
        return checkRequest(new Credentials(authorization, java.util.List.of(), false, null));
    }

    /**
     * Checks a request: a bearer token when it sends one (it wins over a cookie), else a valid session
     * cookie, which for a change must come with the session's CSRF header. A non-bearer
     * {@code Authorization} (a proxy's Basic, say) does not hide the cookie.
     */
    public Decision checkRequest(Credentials credentials) {
        if (open) {
            return new Allowed();
        }
        if (expectedDigest == null) {
            return new Denied(NO_TOKEN_CONFIGURED);
        }
        String presented = bearer(credentials.authorization());
        if (presented != null) {
            return tokenMatches(presented) ? new Allowed() : new Denied(INVALID);
        }
        if (credentials.sessionCookies().isEmpty()) {
            return new Denied(MISSING);
        }
        for (String cookie : credentials.sessionCookies()) {
            if (sessionValid(cookie)) {
                if (credentials.changes() && !csrfMatches(cookie, credentials.csrfHeader())) {
                    return new Forbidden(CSRF_MISSING);
                }
                return new Allowed();
            }
        }
        return new Denied(SESSION_INVALID);
    }

    /** Whether a token typed into the login page is the configured one (constant time; false if none is). */
    public boolean tokenMatches(String presented) {
        return expectedDigest != null && presented != null
                && MessageDigest.isEqual(expectedDigest, digest(presented));
    }

    /** Whether anyone may read without a token (dev mode with no token configured). */
    public boolean open() {
        return open;
    }

    /** Whether logging in is possible at all: a token is configured. */
    public boolean tokenConfigured() {
        return expectedDigest != null;
    }

    /** A new session cookie value; only after {@link #tokenMatches} said yes. */
    public String newSession() {
        if (macKey == null) {
            throw new IllegalStateException("no API token configured: there are no sessions");
        }
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String payload = SESSION_VERSION + "." + clock.instant().getEpochSecond() + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        return payload + "." + mac("session|" + payload);
    }

    /** The CSRF token of a valid session, for the pages to send back; empty for anything else. */
    public Optional<String> csrfToken(String sessionCookie) {
        return sessionValid(sessionCookie) ? Optional.of(mac("csrf|" + payloadOf(sessionCookie))) : Optional.empty();
    }

    private boolean sessionValid(String cookie) {
        if (macKey == null || cookie == null) {
            return false;
        }
        String[] parts = cookie.split("\\.", -1);
        if (parts.length != 4 || !SESSION_VERSION.equals(parts[0])) {
            return false;
        }
        long issued;
        try {
            issued = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            return false;
        }
        String payload = payloadOf(cookie);
        if (!MessageDigest.isEqual(mac("session|" + payload).getBytes(StandardCharsets.US_ASCII),
                parts[3].getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        long now = clock.instant().getEpochSecond();
        return issued <= now + CLOCK_SKEW.toSeconds() && now - issued <= SESSION_LIFETIME.toSeconds();
    }

    private boolean csrfMatches(String cookie, String header) {
        if (header == null || header.isBlank()) {
            return false;
        }
        return MessageDigest.isEqual(mac("csrf|" + payloadOf(cookie)).getBytes(StandardCharsets.US_ASCII),
                header.strip().getBytes(StandardCharsets.US_ASCII));
    }

    private static String payloadOf(String cookie) {
        return cookie.substring(0, cookie.lastIndexOf('.'));
    }

    private String mac(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(macKey);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
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
