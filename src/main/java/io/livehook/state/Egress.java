package io.livehook.state;

/** An egress (recording or stream) and its latest status; times in nanoseconds, as LiveKit gives them. */
public record Egress(
        String egressId,
        String roomSid,
        String roomName,
        String status,
        Long startedAtNs,
        Long endedAtNs,
        long updatedAtNs,
        String error,
        String results) {}
