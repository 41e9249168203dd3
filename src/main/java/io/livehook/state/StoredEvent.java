package io.livehook.state;

/** An applied event with what it is about, for timelines and queries; {@code body} is the bytes received. */
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
        byte[] body) {}
