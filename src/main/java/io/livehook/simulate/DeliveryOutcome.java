package io.livehook.simulate;

/** How an event's delivery ended, with the label the report uses. */
public enum DeliveryOutcome {
    /** A 2xx answer. */
    DELIVERED("delivered"),
    /** A final 4xx: LiveKit stops there and counts it delivered, but the receiver refused the event. */
    HTTP_4XX("http_4xx"),
    /** Another final non-2xx answer (501, 3xx): not retried either. */
    HTTP_OTHER("http_other"),
    /** The last attempt timed out (cloud). */
    TIMEOUT("timeout"),
    /** Every attempt failed with a connection error, 429 or a retryable 5xx. */
    RETRIES_EXHAUSTED("retries_exhausted"),
    /** The event's queue already held its maximum of waiting events. */
    QUEUE_FULL("queue_full"),
    /** The event had waited longer than the maximum age when its turn came, and was never sent. */
    TOO_OLD("too_old"),
    /** Deliberately never sent (--drop-rate), to imitate LiveKit's losses. */
    SIMULATED_LOSS("simulated_loss"),
    /** Still queued or in flight when the run ended. */
    UNFINISHED("unfinished");

    private final String label;

    DeliveryOutcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
