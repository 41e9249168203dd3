package io.livehook.simulate;

import java.time.Instant;

/**
 * One connection of a participant: {@code sid} is per connection, {@code identity} survives reconnects.
 * {@code kind} is LiveKit's enum name (STANDARD, AGENT, ...); {@code joinedAt} is when the connection began.
 */
public record Participant(String sid, String identity, String name, String kind, String metadata, Instant joinedAt) {}
