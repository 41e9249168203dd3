package io.livehook.state;

/** An ingress (RTMP/WHIP/URL input) and its latest status. */
public record Ingress(
        String ingressId,
        String name,
        String roomName,
        String participantIdentity,
        String status,
        String error,
        Long startedAtMs,
        Long endedAtMs,
        long updatedAtMs) {}
