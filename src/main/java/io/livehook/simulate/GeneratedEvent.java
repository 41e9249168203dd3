package io.livehook.simulate;

import java.time.Instant;

/**
 * One webhook the simulated LiveKit has to send. {@code queueKey} is what LiveKit queues it by: the egress id
 * for egress events, the room name otherwise. {@code body} is final: every attempt sends these bytes.
 */
public record GeneratedEvent(String id, String type, String roomName, String queueKey, Instant createdAt, byte[] body) {}
