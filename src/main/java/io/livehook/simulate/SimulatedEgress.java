package io.livehook.simulate;

import java.time.Instant;

/**
 * A room-composite egress writing one file. {@code status} is LiveKit's EgressStatus name; times are null until
 * they happen. {@code size} is the file's bytes once it is complete.
 */
public record SimulatedEgress(String egressId, String roomSid, String roomName, String status, Instant startedAt, Instant endedAt,
        Instant updatedAt, String error, String filename, long size) {

    public static final String STARTING = "EGRESS_STARTING";
    public static final String ACTIVE = "EGRESS_ACTIVE";
    public static final String ENDING = "EGRESS_ENDING";
    public static final String COMPLETE = "EGRESS_COMPLETE";
    public static final String FAILED = "EGRESS_FAILED";
    public static final String ABORTED = "EGRESS_ABORTED";
    public static final String LIMIT_REACHED = "EGRESS_LIMIT_REACHED";

    public boolean ended() {
        return endedAt != null;
    }

    SimulatedEgress active(Instant at) {
        return new SimulatedEgress(egressId, roomSid, roomName, ACTIVE, at, null, at, null, filename, 0);
    }

    SimulatedEgress ending(Instant at) {
        return new SimulatedEgress(egressId, roomSid, roomName, ENDING, startedAt, null, at, null, filename, 0);
    }

    SimulatedEgress end(String finalStatus, Instant at, String failure, long bytes) {
        return new SimulatedEgress(egressId, roomSid, roomName, finalStatus, startedAt, at, at, failure, filename, bytes);
    }
}
