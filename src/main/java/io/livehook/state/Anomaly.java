package io.livehook.state;

import java.util.List;

/** Something livehook had to infer because the stream did not say it; {@code eventIds} led to it. */
public record Anomaly(
        String kind,
        String roomSid,
        String roomName,
        String participantSid,
        String identity,
        List<String> eventIds,
        String detail,
        long atMs) {}
