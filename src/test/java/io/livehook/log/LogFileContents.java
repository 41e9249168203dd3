package io.livehook.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/** What a file log holds, read without opening it as a log: for tests that look while a livehook runs. */
public final class LogFileContents {
    private LogFileContents() {}

    /**
     * Event id to how many event records hold it, over the whole records up to the first damage: more than
     * one means it was stored twice.
     */
    public static Map<String, Integer> recordsById(Path file) throws IOException {
        Map<String, Integer> byId = new HashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long offset = LogFile.HEADER_BYTES;
            LogFile.Reader reader = new LogFile.Reader(channel, size);
            while (offset < size) {
                LogFile.Entry entry = reader.read(offset, 0);
                if (entry == null) {
                    break;
                }
                if (entry.kind() == LogFile.EVENT) {
                    byId.merge(entry.event().eventId(), 1, Integer::sum);
                }
                offset += entry.size();
            }
        }
        return byId;
    }

    /** Event id to how many duplicates were counted for it, over the whole records in the file. */
    public static Map<String, Long> duplicatesById(Path file) throws IOException {
        Map<String, Long> byId = new HashMap<>();
        Map<Long, String> idAt = new HashMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long offset = LogFile.HEADER_BYTES;
            LogFile.Reader reader = new LogFile.Reader(channel, size);
            while (offset < size) {
                LogFile.Entry entry = reader.read(offset, 0);
                if (entry == null) {
                    break;
                }
                if (entry.kind() == LogFile.EVENT) {
                    if (byId.put(entry.event().eventId(), 0L) != null) {
                        throw new AssertionError("event " + entry.event().eventId() + " is stored twice");
                    }
                    idAt.put(entry.position(), entry.event().eventId());
                } else if (entry.kind() == LogFile.DUPLICATE) {
                    byId.merge(idAt.get(entry.position()), 1L, Long::sum);
                }
                offset += entry.size();
            }
        }
        return byId;
    }

    /**
     * Appends what a crash in the middle of a commit leaves behind: the commit's marker and the first half of
     * its event, never synced and so never answered. Returns how many bytes were appended.
     */
    public static int appendTornCommit(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long head = 0;
            long size = channel.size();
            LogFile.Reader reader = new LogFile.Reader(channel, size);
            for (long offset = LogFile.HEADER_BYTES; offset < size; ) {
                LogFile.Entry entry = reader.read(offset, 0);
                if (entry == null) {
                    break;
                }
                head = entry.kind() == LogFile.EVENT ? entry.position() : head;
                offset += entry.size();
            }
            byte[] body = "{\"event\":\"room_started\",\"room\":{\"name\":\"torn\"},\"id\":\"EV_torn\"}"
                    .getBytes(StandardCharsets.UTF_8);
            IncomingEvent torn = new IncomingEvent("EV_torn", "room_started", "torn", body, Instant.now(), "k",
                    Origin.LIVEKIT);
            ByteBuffer commit = ByteBuffer.allocate(LogFile.commitSize() + LogFile.eventSize(torn));
            commit.position(LogFile.commitSize());
            LogFile.putEvent(commit, head + 1, torn);
            LogFile.putCommitAt(commit, 0, head + 1);
            int cut = LogFile.commitSize() + (commit.position() - LogFile.commitSize()) / 2;
            commit.flip().limit(cut);
            channel.write(commit, size);
            return cut;
        }
    }
}
