package io.livehook.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Reads the file log without taking any lock the writer needs (processing reads at a lower CPU priority):
 * through the index, up to the end the writer last published.
 */
final class LogReader {
    private final Path file;
    private final FileChannel channel;
    private final LogIndex index;
    private final LogHead head;
    private final LongSupplier end;

    LogReader(Path file, FileChannel channel, LogIndex index, LogHead head, LongSupplier end) {
        this.file = file;
        this.channel = channel;
        this.index = index;
        this.head = head;
        this.end = end;
    }

    /** Events after position {@code afterOffset}, in order, at most {@code limit}. */
    List<LoggedEvent> read(long afterOffset, int limit) {
        long first = Math.max(1, afterOffset + 1);
        // Head first: the index and end cover it once the head has moved.
        long newest = head.get();
        long until = end.getAsLong();
        if (first > newest || limit <= 0) {
            return List.of();
        }
        List<LoggedEvent> events = new ArrayList<>(Math.min(limit, 1024));
        try {
            LogFile.Reader reader = new LogFile.Reader(channel, until);
            long offset = index.strideStart(first);
            if (first > newest - LogIndex.RECENT / 2) {
                // The slot may have been reused for a newer position meanwhile: used only if it still holds first.
                long recent = index.recentCandidate(first);
                LogFile.Entry there = reader.read(recent, 0);
                if (there != null && there.kind() == LogFile.EVENT && there.position() == first) {
                    offset = recent;
                }
            }
            while (offset < until && events.size() < limit) {
                LogFile.Entry entry = reader.read(offset, 0);
                if (entry == null) {
                    throw new IllegalStateException("event log " + file + " is damaged at byte " + offset);
                }
                if (entry.kind() == LogFile.EVENT && entry.position() >= first) {
                    events.add(withDuplicates(entry.event()));
                }
                offset += entry.size();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read event log " + file + ": " + e.getMessage(), e);
        }
        return events;
    }

    private LoggedEvent withDuplicates(LoggedEvent e) {
        long duplicates = index.duplicates(e.offset());
        return duplicates == 0 ? e : new LoggedEvent(e.partition(), e.offset(), e.eventId(), e.eventType(),
                e.queueKey(), e.body(), e.receivedAt(), e.keyId(), e.origin(), duplicates);
    }

    /** Quarantined bodies, newest first, at most {@code limit}. */
    List<QuarantinedBody> quarantined(int limit) {
        // End first: a body the writer lists meanwhile lies beyond it and is left for the next call.
        long until = end.getAsLong();
        List<QuarantinedBody> bodies = new ArrayList<>();
        try {
            LogFile.Reader reader = new LogFile.Reader(channel, until);
            for (long[] offset : index.quarantinedBefore(until, limit)) {
                LogFile.Entry entry = reader.read(offset[0], offset[1]);
                if (entry == null) {
                    throw new IllegalStateException("event log " + file + " is damaged at byte " + offset[0]);
                }
                bodies.add(entry.quarantined());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read quarantine in " + file + ": " + e.getMessage(), e);
        }
        return bodies;
    }
}
