package io.livehook.livekit;

/** The outcome of checking one webhook's {@code Authorization} token against its raw body. */
public sealed interface Verification {
    /** Signed by {@code keyId}'s secret, in date, over exactly these bytes. */
    record Verified(String keyId) implements Verification {}

    /** {@code detail} is for logs and the caller; it never holds the token or a secret. */
    record Rejected(Rejection reason, String detail) implements Verification {}
}
