package io.livehook.state;

/**
 * How long LiveKit keeps a room open with nobody in it, in seconds, as its webhooks' room says:
 * {@code emptyTimeoutS} if nobody ever joined, {@code departureTimeoutS} after the last participant left. 0 is
 * unknown (protojson leaves zeros out).
 */
public record RoomTimeouts(String roomSid, int emptyTimeoutS, int departureTimeoutS) {}
