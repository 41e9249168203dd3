package io.livehook.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded event log: one append-only file. One writer thread takes whatever appends have queued up,
 * writes them with one system call and syncs the file once (group commit); no append is answered before
 * that sync returns. Appending to a plain file costs a sync and a copy per batch, where SQLite also rewrote
 * whole pages of a table and an index per event and checkpointed them again ({@code bench/jmh LogAppend}:
 * 22 against 36 µs of CPU per append). Positions are dense from 1. The file is scanned once at start:
 * records cut short by a crash (never answered, since the sync had not returned) are moved aside into a
 * {@code .torn-} file.
 */
public final class FileEventLog implements EventLog {
    private static final Logger log = LoggerFactory.getLogger(FileEventLog.class);
    /** Every STRIDE-th position's file offset is kept; a read starts there and scans forward. */
    private static final int STRIDE = 64;
    private static final long ID_WINDOW_MS = 2 * RecentIds.GENERATION_MS;
    /**
     * The newest RECENT positions' offsets are all kept: processing reads just behind the head, many times a
     * second, and must not scan a stride each time.
     */
    private static final int RECENT = 1 << 16;
    private static final int DUPLICATE_COUNTS = 1 << 16;

    private final Path file;
    private final long maxBytes;
    private final FileChannel channel;
    private final GroupCommit writes;
    /*
     * The index is written by the writer thread alone, after each sync, and read without locks (processing
     * reads at a lower CPU priority; see LogHead). The writer fills the offsets in, then moves end, then head;
     * a reader reads head first.
     */
    private volatile long[] strideOffsets = new long[1024];
    private final long[] recentOffsets = new long[RECENT];
    /**
     * How many times each recent event came again, for the newest {@link #DUPLICATE_COUNTS} events that did: a
     * duplicate is only ever found for an event in the dedupe window, so older counts would never change.
     */
    private final ConcurrentSkipListMap<Long, Long> duplicateCounts = new ConcurrentSkipListMap<>();
    private final Offsets quarantineOffsets = new Offsets();
    private final RecentIds recentIds;
    private final LogHead head = new LogHead(0);
    private volatile long end;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    public FileEventLog(Path file) {
        this(file, 16_384, Long.MAX_VALUE);
    }

    /** {@code maxBytes} caps the file's size, so that tests can make the disk "full". */
    FileEventLog(Path file, int queueCapacity, long maxBytes) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.recentIds = new RecentIds(System.currentTimeMillis());
        try {
            createIfAbsent(file);
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event log " + file + ": " + e.getMessage(), e);
        }
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw new UncheckedIOException("cannot open event log " + file + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
        this.writes = new GroupCommit(queueCapacity, this::commit);
    }

    /** A new file gets its header atomically, and its directory entry synced, so a crash leaves it whole or absent. */
    private static void createIfAbsent(Path file) throws IOException {
        if (Files.exists(file)) {
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path fresh = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(LogFile.MAGIC));
            out.force(true);
        }
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** Rebuilds the in-memory index from the file, and moves a torn tail aside. */
    private void recover() throws IOException {
        long size = channel.size();
        ByteBuffer magic = ByteBuffer.allocate(LogFile.HEADER_BYTES);
        if (size < LogFile.HEADER_BYTES) {
            throw new IOException("not a livehook event log (too short for its header)");
        }
        LogFile.readFully(channel, magic, 0);
        if (!Arrays.equals(magic.array(), LogFile.MAGIC)) {
            throw new IOException("not a livehook event log (wrong header)");
        }
        long offset = LogFile.HEADER_BYTES;
        long position = 0;
        long newestMs = Long.MIN_VALUE;
        LogFile.Reader reader = new LogFile.Reader(channel, size);
        while (offset < size) {
            LogFile.Entry entry = reader.read(offset, quarantineOffsets.size() + 1);
            if (entry == null || !fits(entry, position)) {
                break;
            }
            switch (entry.kind()) {
                case LogFile.EVENT -> {
                    position = entry.position();
                    indexEvent(position, offset);
                    newestMs = Math.max(newestMs, entry.event().receivedAt().toEpochMilli());
                }
                case LogFile.DUPLICATE -> countDuplicate(entry.position());
                default -> quarantineOffsets.add(offset);
            }
            offset += entry.size();
        }
        if (offset < size) {
            moveTornTailAside(offset, size);
        }
        end = offset;
        head.moveTo(position);
        rememberIdsSince(newestMs - ID_WINDOW_MS);
    }

    /**
     * Fills the recent ids with the events received in the window before the newest one, not before now: after
     * a long stop, LiveKit's retries are of what it sent last. Scans back one stride at a time to where the
     * window starts, then forward.
     */
    private void rememberIdsSince(long sinceMs) throws IOException {
        if (head.get() == 0) {
            return;
        }
        LogFile.Reader reader = new LogFile.Reader(channel, end);
        int slot = (int) ((head.get() - 1) / STRIDE);
        while (slot > 0 && reader.read(strideOffsets[slot], 0).event().receivedAt().toEpochMilli() >= sinceMs) {
            slot--;
        }
        long now = System.currentTimeMillis();
        for (long offset = strideOffsets[slot]; offset < end; ) {
            LogFile.Entry entry = reader.read(offset, 0);
            if (entry.kind() == LogFile.EVENT && entry.event().receivedAt().toEpochMilli() >= sinceMs) {
                recentIds.add(entry.event().eventId(), entry.position(), now);
            }
            offset += entry.size();
        }
    }

    /** An event must continue the dense positions; a duplicate must name one already seen. */
    private static boolean fits(LogFile.Entry entry, long position) {
        return switch (entry.kind()) {
            case LogFile.EVENT -> entry.position() == position + 1;
            case LogFile.DUPLICATE -> entry.position() >= 1 && entry.position() <= position;
            default -> true;
        };
    }

    private void moveTornTailAside(long from, long size) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".torn-" + System.currentTimeMillis());
        try (FileChannel out = FileChannel.open(aside, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.transferTo(from, size - from, out);
            out.force(true);
        }
        channel.truncate(from);
        channel.force(true);
        log.warn("event log {}: {} bytes after the last whole record (a write a crash cut short, never answered 200) "
                + "moved to {}", file, size - from, aside);
    }

    private void indexEvent(long position, long offset) {
        recentOffsets[(int) (position & (RECENT - 1))] = offset;
        if ((position - 1) % STRIDE == 0) {
            int slot = (int) ((position - 1) / STRIDE);
            if (slot == strideOffsets.length) {
                strideOffsets = Arrays.copyOf(strideOffsets, slot * 2);
            }
            strideOffsets[slot] = offset;
        }
    }

    @Override
    public Appended append(IncomingEvent event) throws LogUnavailableException {
        return writes.append(event);
    }

    @Override
    public void quarantine(byte[] body, Instant receivedAt, String keyId, String reason)
            throws LogUnavailableException {
        writes.quarantine(body, receivedAt, keyId, reason);
    }

    /** What one write of a batch puts in the file, and the answer it gets once the file is synced. */
    private record Planned(GroupCommit.Write write, long offset, long position, boolean duplicate, boolean quarantine) {}

    /** Writes and syncs the batch, then answers its writers; a failed write fails the whole batch. */
    private void commit(List<GroupCommit.Write> batch) {
        List<Planned> planned = new ArrayList<>(batch.size());
        Map<String, Long> inBatch = new HashMap<>();
        long position = head.get();
        buffer.clear();
        for (GroupCommit.Write write : batch) {
            int mark = buffer.position();
            try {
                if (write.event() != null) {
                    IncomingEvent event = write.event();
                    Long earlier = inBatch.get(event.eventId());
                    long original = earlier != null ? earlier : stored(event.eventId());
                    if (original > 0) {
                        reserve(LogFile.duplicateSize());
                        LogFile.putDuplicate(buffer, original);
                        planned.add(new Planned(write, end + mark, original, true, false));
                    } else {
                        reserve(LogFile.eventSize(event));
                        LogFile.putEvent(buffer, position + 1, event);
                        position++;
                        inBatch.put(event.eventId(), position);
                        planned.add(new Planned(write, end + mark, position, false, false));
                    }
                } else {
                    GroupCommit.Quarantine q = write.quarantine();
                    reserve(LogFile.quarantineSize(q.body(), q.keyId(), q.reason()));
                    LogFile.putQuarantine(buffer, q.body(), q.receivedAt(), q.keyId(), q.reason());
                    planned.add(new Planned(write, end + mark, 0, false, true));
                }
            } catch (RuntimeException unwritable) {
                // Bad input for one write (a missing field) must not take the batch with it.
                buffer.position(mark);
                write.result().completeExceptionally(new LogUnavailableException(
                        "event log cannot write this event: " + unwritable, unwritable));
            }
        }
        buffer.flip();
        int bytes = buffer.remaining();
        try {
            if (end + bytes > maxBytes) {
                throw new IOException("no space left for " + bytes + " bytes (the log is capped at " + maxBytes + ")");
            }
            long at = end;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
            channel.force(false);
        } catch (IOException | RuntimeException e) {
            undoPartialWrite();
            log.error("event log could not write {} appends to {}: {}", planned.size(), file, e.getMessage());
            GroupCommit.fail(planned.stream().map(Planned::write).toList(),
                    new LogUnavailableException("event log cannot write: " + e.getMessage(), e));
            return;
        }
        publish(planned, position, bytes);
    }

    /** The position of the stored event with this id, if it arrived recently, or 0. */
    private long stored(String eventId) {
        return find(eventId).map(LoggedEvent::offset).orElse(0L);
    }

    /** The event with this id if it arrived within the dedupe window: what ingest's dedupe finds, it finds. */
    @Override
    public Optional<LoggedEvent> find(String eventId) {
        long candidate;
        synchronized (recentIds) {
            candidate = recentIds.candidate(eventId);
        }
        // Two ids can share a 64-bit hash: only the stored event's own id makes this the one.
        return candidate == 0 ? Optional.empty() : read(0, candidate, eventId);
    }

    private void reserve(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocateDirect(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
            buffer.flip();
            larger.put(buffer);
            buffer = larger;
        }
    }

    /** Cuts off whatever part of a failed batch reached the file, so the next batch starts on a record boundary. */
    private void undoPartialWrite() {
        try {
            if (channel.size() > end) {
                channel.truncate(end);
            }
        } catch (IOException e) {
            // The next batch is written at {@code end} anyway, and a start-up scan stops at the first record that
            // does not continue the positions, so leftover bytes are never read as events.
            log.warn("event log could not cut a failed write off {}: {}", file, e.getMessage());
        }
    }

    private void publish(List<Planned> planned, long newHead, int bytes) {
        long now = System.currentTimeMillis();
        for (Planned p : planned) {
            if (p.quarantine()) {
                quarantineOffsets.add(p.offset());
            } else if (p.duplicate()) {
                countDuplicate(p.position());
            } else {
                indexEvent(p.position(), p.offset());
                synchronized (recentIds) { // ingest's writer adds, the API's lookups read
                    recentIds.add(p.write().event().eventId(), p.position(), now);
                }
            }
        }
        end += bytes;
        // Move the head before answering: an appender that reads head() after its append returns must see it.
        head.moveTo(newHead);
        for (Planned p : planned) {
            p.write().result().complete(p.quarantine() ? null : new Appended(0, p.position(), p.duplicate()));
        }
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public List<LoggedEvent> read(int partition, long afterOffset, int limit) {
        requirePartition(partition);
        long first = Math.max(1, afterOffset + 1);
        long newest = head.get();
        long until = end;
        if (first > newest || limit <= 0) {
            return List.of();
        }
        List<LoggedEvent> events = new ArrayList<>(Math.min(limit, 1024));
        try {
            LogFile.Reader reader = new LogFile.Reader(channel, until);
            long offset = strideOffsets[(int) ((first - 1) / STRIDE)];
            if (first > newest - RECENT / 2) {
                // The slot may have been reused for a newer position meanwhile: used only if it still holds first.
                long recent = recentOffsets[(int) (first & (RECENT - 1))];
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

    private void countDuplicate(long position) {
        duplicateCounts.merge(position, 1L, Long::sum);
        if (duplicateCounts.size() > DUPLICATE_COUNTS) {
            duplicateCounts.pollFirstEntry();
        }
    }

    private LoggedEvent withDuplicates(LoggedEvent e) {
        long duplicates = duplicateCounts.getOrDefault(e.offset(), 0L);
        return duplicates == 0 ? e : new LoggedEvent(e.partition(), e.offset(), e.eventId(), e.eventType(),
                e.queueKey(), e.body(), e.receivedAt(), e.keyId(), e.origin(), duplicates);
    }

    @Override
    public long head(int partition) {
        requirePartition(partition);
        return head.get();
    }

    @Override
    public boolean awaitAfter(int partition, long offset, Duration timeout) throws InterruptedException {
        requirePartition(partition);
        return head.awaitAfter(offset, timeout);
    }

    @Override
    public List<QuarantinedBody> quarantined(int limit) {
        // End first: a body the writer lists meanwhile lies beyond it and is left for the next call.
        long until = end;
        List<QuarantinedBody> bodies = new ArrayList<>();
        try {
            for (long[] offset : quarantineOffsets.newestBelow(until, limit)) {
                LogFile.Entry entry = new LogFile.Reader(channel, until).read(offset[0], offset[1]);
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

    private static void requirePartition(int partition) {
        if (partition != 0) {
            throw new IllegalArgumentException("the embedded event log has one partition, not " + partition);
        }
    }

    @Override
    public void close() {
        head.close();
        writes.close();
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing event log {}: {}", file, e.getMessage());
        }
    }
}
