package io.livehook.simulate;

import java.time.Instant;

/** A simulated LiveKit room as its webhooks describe it. */
public record SimulatedRoom(String sid, String name, Instant createdAt, int emptyTimeout, int departureTimeout, int maxParticipants) {}
