package io.livehook.state;

/**
 * One event on its way to one destination. {@code replay} is 0 for the delivery made when the event was
 * processed and n for the n-th replay an operator asked for. Times are Unix milliseconds.
 */
public record Delivery(
        String destination,
        String eventId,
        int replay,
        String eventType,
        String queueKey,
        int logPartition,
        long logOffset,
        long receivedAtMs,
        String status,
        int attempts,
        int roundAttempts,
        long nextAttemptMs,
        long createdMs,
        long queuedMs,
        Long deliveredMs,
        Long deadMs,
        String lastError) {

    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
}
