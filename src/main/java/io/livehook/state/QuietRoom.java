package io.livehook.state;

/**
 * An active room nobody is in, as livehook knows it: its timeouts ({@code null} if no event said), and when
 * livehook last heard of it (the later of the newest event's LiveKit time and its arrival).
 */
public record QuietRoom(Room room, RoomTimeouts timeouts, long lastHeardMs) {}
