package io.livehook.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.config.LivehookConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Guards the API: {@code Authorization: Bearer <api.token>}, compared in constant time. With no token
 * configured the API is open in --dev and closed (401) otherwise, so a forgotten token exposes nothing.
 */
public final class ApiAuth {
    private static final String BEARER = "Bearer ";

    private final Optional<byte[]> tokenDigest;
    private final boolean open;

    public ApiAuth(LivehookConfig.Api api, boolean dev) {
        this.tokenDigest = api.token().map(ApiAuth::digest);
        this.open = dev && api.token().isEmpty();
    }

    public boolean allows(String authorization) {
        if (open) {
            return true;
        }
        if (tokenDigest.isEmpty() || authorization == null || !authorization.regionMatches(true, 0, BEARER, 0,
                BEARER.length())) {
            return false;
        }
        // Digests first: equal lengths, so the comparison time says nothing about the token's length either.
        return MessageDigest.isEqual(tokenDigest.get(), digest(authorization.substring(BEARER.length()).strip()));
    }

    /** True if the request may go on; otherwise answers 401 and returns false. */
    public boolean check(ServerRequest request, ServerResponse response) {
        if (allows(request.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
            return true;
        }
        response.status(Status.UNAUTHORIZED_401)
                .header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"livehook\"")
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .send("{\"error\":\"unauthorized\",\"message\":\"send Authorization: Bearer <api token>\"}");
        return false;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ApiAuth[" + (open ? "open (dev)" : tokenDigest.isPresent() ? "token" : "closed") + "]";
    }
}
