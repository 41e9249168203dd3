package io.livehook.log;

import java.time.Instant;

/**
 * An event as the log holds it. {@code partition} and {@code offset} place it: one queue key's events
 * are always in one partition, in offset order. {@code duplicates} counts how many more times LiveKit
 * sent it (retries after a lost answer).
 */
public record LoggedEvent(
        int partition,
        long offset,
        String eventId,
        String eventType,
        String queueKey,
        byte[] body,
        Instant receivedAt,
        String keyId,
        Origin origin,
        long duplicates) {}
