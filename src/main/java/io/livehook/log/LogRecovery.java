package io.livehook.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a log file at start: rebuilds the index, and tells a torn tail (moved aside, since it was never
 * answered) from damage in the middle (refused: see {@link LogScan}).
 */
final class LogRecovery {
    private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);
    private static final long ID_WINDOW_MS = 2 * RecentIds.GENERATION_MS;

    /**
     * {@code end}: where the next commit is written; {@code head}: the newest event's position;
     * {@code highest}: the highest position ever handed out, which the next event continues after.
     */
    record Recovered(long end, long head, long highest) {}

    /** Thrown when the log is damaged where records answered 200 were: the start must not guess. */
    static final class DamagedInTheMiddle extends IOException {
        DamagedInTheMiddle(String message) {
            super(message);
        }
    }

    private LogRecovery() {}

    static Recovered recover(Path file, FileChannel channel, LogIndex index, RecentIds recentIds) throws IOException {
        LogScan.checkHeader(channel);
        long size = channel.size();
        Rebuild rebuild = new Rebuild(index);
        LogScan.Classifier classifier = new LogScan.Classifier(rebuild, false);
        LogScan.walk(channel, size, classifier);
        LogScan.FirstDamage damage = classifier.firstDamage();
        if (damage.inTheMiddle()) {
            throw new DamagedInTheMiddle(LogScan.damagedInTheMiddle(file, damage));
        }
        long end = damage.present() ? damage.offset() : size;
        if (end < size) {
            moveTornTailAside(file, channel, end, size);
        }
        rememberIds(channel, end, rebuild.head, rebuild.newestMs - ID_WINDOW_MS, index, recentIds);
        return new Recovered(end, rebuild.head, Math.max(rebuild.head, rebuild.highestCommitted));
    }

    /** Indexes every record up to the first damage. */
    private static final class Rebuild implements LogScan.Visitor {
        private final LogIndex index;
        long head;
        long highestCommitted;
        long newestMs = Long.MIN_VALUE;

        Rebuild(LogIndex index) {
            this.index = index;
        }

        @Override
        public LogScan.Verdict record(long offset, LogFile.Entry entry) {
            if (!LogScan.follows(entry, head)) {
                return LogScan.Verdict.REJECT;
            }
            switch (entry.kind()) {
                case LogFile.EVENT -> {
                    head = entry.position();
                    index.event(head, offset);
                    newestMs = Math.max(newestMs, entry.event().receivedAt().toEpochMilli());
                }
                case LogFile.DUPLICATE -> index.duplicate(entry.position());
                case LogFile.COMMIT -> highestCommitted = Math.max(highestCommitted, entry.position());
                default -> index.quarantine(offset);
            }
            return LogScan.Verdict.KEEP;
        }
    }

    private static void moveTornTailAside(Path file, FileChannel channel, long from, long size) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".torn-" + System.currentTimeMillis());
        try (FileChannel out = FileChannel.open(aside, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.transferTo(from, size - from, out);
            out.force(true);
        }
        Durable.syncDirectory(file.toAbsolutePath().getParent());
        channel.truncate(from);
        channel.force(true);
        log.warn("event log {}: {} bytes after the last whole record (a write a crash cut short, never answered 200) "
                + "moved to {}", file, size - from, aside);
    }

    /**
     * Fills the recent ids with the events received in the window before the newest one, not before now: after
     * a long stop, LiveKit's retries are of what it sent last. Scans back one stride at a time to where the
     * window starts, then forward.
     */
    private static void rememberIds(FileChannel channel, long end, long head, long sinceMs, LogIndex index,
            RecentIds recentIds) throws IOException {
        if (head == 0) {
            return;
        }
        LogFile.Reader reader = new LogFile.Reader(channel, end);
        long first = head;
        while (first > LogIndex.STRIDE
                && reader.read(index.strideStart(first), 0).event().receivedAt().toEpochMilli() >= sinceMs) {
            first -= LogIndex.STRIDE;
        }
        long now = System.currentTimeMillis();
        for (long offset = index.strideStart(first); offset < end; ) {
            LogFile.Entry entry = reader.read(offset, 0);
            if (entry.kind() == LogFile.EVENT && entry.event().receivedAt().toEpochMilli() >= sinceMs) {
                recentIds.add(entry.event().eventId(), entry.position(), now);
            }
            offset += entry.size();
        }
    }
}
