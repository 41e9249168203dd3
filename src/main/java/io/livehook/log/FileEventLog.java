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
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded event log: one append-only file. One writer thread takes whatever appends have queued up,
 * writes them with one system call and syncs the file once (group commit); no append is answered before
 * that sync returns. Appending to a plain file costs a sync and a copy per batch, where SQLite also rewrote
 * whole pages of a table and an index per event and checkpointed them again ({@code bench/jmh LogAppend}:
 * 22 against 36 µs of CPU per append). The file is scanned once at start ({@link LogRecovery}): records cut
 * short by a crash (never answered, since the sync had not returned) are moved aside into a {@code .torn-}
 * file, while damage to records that had been answered stops the start ({@code livehook log salvage}).
 * Positions increase from 1 and are never reused.
 */
public final class FileEventLog implements EventLog {
    private static final Logger log = LoggerFactory.getLogger(FileEventLog.class);

    private final Path file;
    private final FileChannel channel;
    private final LogHead head;
    private final LogHealth health = new LogHealth();
    private final LogReader reader;
    private final LogWriter writer;
    private final GroupCommit writes;

    public FileEventLog(Path file) {
        this(file, 16_384, Long.MAX_VALUE);
    }

    /** {@code maxBytes} caps the file's size, so that tests can make the disk "full". */
    FileEventLog(Path file, int queueCapacity, long maxBytes) {
        this.file = file;
        try {
            createIfAbsent(file);
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event log " + file + ": " + e.getMessage(), e);
        }
        LogIndex index = new LogIndex();
        RecentIds recentIds = new RecentIds(System.currentTimeMillis());
        LogRecovery.Recovered recovered;
        try {
            recovered = LogRecovery.recover(file, channel, index, recentIds);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            if (e instanceof LogRecovery.DamagedInTheMiddle damaged) {
                throw new LogDamagedException(damaged.getMessage());
            }
            throw new UncheckedIOException("cannot open event log " + file + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
        this.head = new LogHead(recovered.head());
        this.reader = new LogReader(file, channel, index, head, this::end);
        this.writer = new LogWriter(file, channel, maxBytes, index, recentIds, head, health, reader, recovered);
        this.writes = new GroupCommit(queueCapacity, writer, health);
    }

    /** Where the writer's last published commit ends: readers read no further. */
    private long end() {
        return writer.end();
    }

    /**
     * A new file gets its header atomically, and its directory entry synced (the data directory's too when it
     * is new), so a crash leaves it whole or absent.
     */
    private static void createIfAbsent(Path file) throws IOException {
        if (Files.exists(file)) {
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        Durable.createDirectories(dir);
        Path fresh = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(LogFile.MAGIC));
            out.force(true);
        }
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
        Durable.syncDirectory(dir);
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

    @Override
    public Optional<String> writeProblem() {
        return health.problem();
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public List<LoggedEvent> read(int partition, long afterOffset, int limit) {
        requirePartition(partition);
        return reader.read(afterOffset, limit);
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

    /** The event with this id if it arrived within the dedupe window. */
    @Override
    public Optional<LoggedEvent> find(String eventId) {
        return writer.find(eventId);
    }

    @Override
    public List<QuarantinedBody> quarantined(int limit) {
        return reader.quarantined(limit);
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
