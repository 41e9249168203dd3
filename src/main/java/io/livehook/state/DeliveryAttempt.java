package io.livehook.state;

/**
 * One request made for a delivery. {@code httpStatus} is null when no answer came (timeout, connection
 * error, or {@value #UNKNOWN}: livehook stopped after sending and before recording the answer).
 */
public record DeliveryAttempt(
        int attempt,
        long startedMs,
        Long latencyMs,
        Integer httpStatus,
        String error,
        String responseSnippet,
        String outcome) {

    public static final String IN_FLIGHT = "in_flight";
    public static final String UNKNOWN = "unknown";
    public static final String DELIVERED = "delivered";
    public static final String RETRY = "retry";
    public static final String TIMEOUT = "timeout";
    public static final String CONNECTION_ERROR = "connection_error";
    public static final String DEAD = "dead";
}
