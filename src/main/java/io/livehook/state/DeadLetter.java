package io.livehook.state;

/** An event that could not be applied; {@code status} is open, retrying or resolved. */
public record DeadLetter(
        String eventId,
        int logPartition,
        long logOffset,
        String eventType,
        String queueKey,
        String error,
        int attempts,
        String status,
        long firstFailedMs,
        long lastFailedMs) {

    public static final String OPEN = "open";
    public static final String RETRYING = "retrying";
    public static final String RESOLVED = "resolved";

    /** One failure to apply an event, to be recorded as (or counted on) its dead letter. */
    public record Failure(String eventId, int logPartition, long logOffset, String eventType, String queueKey,
            String error, long atMs) {}
}
