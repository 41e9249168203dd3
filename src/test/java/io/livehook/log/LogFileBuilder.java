package io.livehook.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Writes log files record by record, for tests of what recovery, check and salvage make of them. */
final class LogFileBuilder {
    private final ByteBuffer bytes = ByteBuffer.allocate(1 << 20);
    private final Map<Long, Integer> eventOffsets = new HashMap<>();

    LogFileBuilder() {
        bytes.put(LogFile.MAGIC);
    }

    /** A commit marker: the commit that follows hands out positions up to {@code highest}. */
    LogFileBuilder commit(long highest) {
        int at = bytes.position();
        bytes.position(at + LogFile.commitSize());
        LogFile.putCommitAt(bytes, at, highest);
        return this;
    }

    LogFileBuilder event(long position) {
        eventOffsets.put(position, bytes.position());
        String id = "EV_" + position;
        byte[] body = ("{\"event\":\"room_started\",\"room\":{\"name\":\"r\"},\"id\":\"" + id + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        LogFile.putEvent(bytes, position, new IncomingEvent(id, "room_started", "r", body,
                Instant.parse("2026-11-29T10:00:00Z"), "k", Origin.LIVEKIT));
        return this;
    }

    /** Flips a byte inside the event's body, so its checksum fails. */
    LogFileBuilder damage(long position) {
        int at = eventOffsets.get(position) + LogFile.RECORD_HEADER_BYTES + 20;
        bytes.put(at, (byte) (bytes.get(at) ^ 0x5a));
        return this;
    }

    int offsetOf(long position) {
        return eventOffsets.get(position);
    }

    byte[] bytes() {
        return Arrays.copyOf(bytes.array(), bytes.position());
    }
}
