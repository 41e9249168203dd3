package io.livehook.state;

/**
 * An applied event with what it is about, for timelines and queries. Its body stays in the event log, at
 * {@code logPartition}/{@code logOffset}; {@code bodyBytes} is its size.
 */
public record StoredEvent(
        String eventId,
        int logPartition,
        long logOffset,
        String eventType,
        boolean knownType,
        String queueKey,
        String roomSid,
        String roomName,
        String participantSid,
        String participantIdentity,
        String trackSid,
        String egressId,
        String ingressId,
        Long createdAtMs,
        long receivedAtMs,
        String origin,
        String keyId,
        int bodyBytes) {}
