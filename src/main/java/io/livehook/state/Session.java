package io.livehook.state;

/** One participant connection (sid). {@code startSource}/{@code endSource} say how each end is known. */
public record Session(
        String sid,
        String roomSid,
        String roomName,
        String identity,
        String name,
        String kind,
        String metadata,
        Long joinedAtMs,
        String startSource,
        Long leftAtMs,
        String endSource,
        String finalState,
        String disconnectReason,
        long lastEventMs) {

    public boolean open() {
        return endSource == null;
    }
}
