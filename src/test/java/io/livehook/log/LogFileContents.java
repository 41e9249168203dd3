package io.livehook.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/** What a file log holds, read without opening it as a log: for tests that look while a livehook runs. */
public final class LogFileContents {
    private LogFileContents() {}

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
}
