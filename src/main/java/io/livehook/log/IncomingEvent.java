package io.livehook.log;

import java.time.Instant;

/**
 * A verified event, about to be appended. {@code body} is the exact bytes received: it is what the
 * signature covered, what destinations get forwarded, and what replay re-reads.
 */
public record IncomingEvent(
        String eventId, String eventType, String queueKey, byte[] body, Instant receivedAt, String keyId, Origin origin) {}
