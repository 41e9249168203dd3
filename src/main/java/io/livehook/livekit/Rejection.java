package io.livehook.livekit;

/** Why a webhook's signature was not accepted. The name, lower-cased, is the metric's {@code reason} label. */
public enum Rejection {
    MISSING_TOKEN,
    MALFORMED_TOKEN,
    UNKNOWN_KEY,
    WRONG_ALGORITHM,
    BAD_SIGNATURE,
    MISSING_EXPIRY,
    EXPIRED,
    NOT_YET_VALID,
    HASH_MISMATCH;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
