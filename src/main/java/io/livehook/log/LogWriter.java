package io.livehook.log;

import io.livehook.metrics.LogBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file log's committer: writes a batch with one system call, syncs the file once, and only then moves
 * the index, the head and the answers. A failed write is cut off the file before anything else is written;
 * until that cut has worked (and been synced) nothing is, so that bytes answered 503 cannot come back at the
 * next start. While it cannot write, the log is unhealthy; when idle it tries again once a second (a commit
 * marker alone), so that readiness comes back when the disk does.
 */
final class LogWriter implements GroupCommit.Committer {
    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    private static final long PROBE_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    private final Path file;
    private final FileChannel channel;
    private final long maxBytes;
    private final LogIndex index;
    private final RecentIds recentIds;
    private final LogHead head;
    private final LogHealth health;
    private final LogReader reader;
    private final LogBudget failureLines = new LogBudget(10, Duration.ofMinutes(1), Clock.systemUTC());
    private volatile long end;
    /** The highest position ever handed out: the next event's is one more, whatever was lost. */
    private long highest;
    /** Why bytes of a failed write may still lie after {@code end}; null when the file ends at {@code end}. */
    private String uncut;
    /** Set when a synced batch could not be published: the index no longer matches the file. */
    private String fatal;
    private long lastProbeNanos = System.nanoTime();
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    LogWriter(Path file, FileChannel channel, long maxBytes, LogIndex index, RecentIds recentIds, LogHead head,
            LogHealth health, LogReader reader, LogRecovery.Recovered recovered) {
        this.file = file;
        this.channel = channel;
        this.maxBytes = maxBytes;
        this.index = index;
        this.recentIds = recentIds;
        this.head = head;
        this.health = health;
        this.reader = reader;
        this.end = recovered.end();
        this.highest = recovered.highest();
    }

    long end() {
        return end;
    }

    /** What one write of a batch puts in the file, and the answer it gets once the file is synced. */
    private record Planned(GroupCommit.Write write, long offset, long position, boolean duplicate, boolean quarantine) {}

    /** Writes and syncs the batch, then answers its writers; a failed write fails the whole batch. */
    @Override
    public void commit(List<GroupCommit.Write> batch) {
        if (fatal != null || (uncut != null && !cut())) {
            GroupCommit.fail(batch, new LogUnavailableException("event log cannot write: "
                    + (fatal != null ? fatal : uncut)));
            return;
        }
        List<Planned> planned = new ArrayList<>(batch.size());
        Map<String, Long> inBatch = new HashMap<>();
        long position = highest;
        long newest = head.get();
        buffer.clear();
        // Each commit starts with its marker, filled in once the batch's positions are known.
        buffer.position(LogFile.commitSize());
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
                        newest = position;
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
        if (planned.isEmpty()) {
            return;
        }
        LogFile.putCommitAt(buffer, 0, position);
        buffer.flip();
        int bytes = buffer.remaining();
        try {
            writeAndSync(bytes);
        } catch (Throwable e) {
            String problem = LogHealth.describe(e);
            failed("could not write " + planned.size() + " appends", problem);
            GroupCommit.fail(planned.stream().map(Planned::write).toList(),
                    new LogUnavailableException("event log cannot write: " + problem, e));
            return;
        }
        publish(planned, position, newest, bytes);
    }

    private void writeAndSync(int bytes) throws IOException {
        if (end + bytes > maxBytes) {
            throw new IOException("no space left for " + bytes + " bytes (the log is capped at " + maxBytes + ")");
        }
        long at = end;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
        channel.force(false);
    }

    /** The position of the stored event with this id, if it arrived recently, or 0. */
    private long stored(String eventId) {
        return find(eventId).map(LoggedEvent::offset).orElse(0L);
    }

    /** The event with this id if it arrived within the dedupe window: what the dedupe finds, this finds. */
    Optional<LoggedEvent> find(String eventId) {
        long candidate;
        synchronized (recentIds) { // the writer adds, the API's lookups read
            candidate = recentIds.candidate(eventId);
        }
        if (candidate == 0) {
            return Optional.empty();
        }
        // Two ids can share a 64-bit hash: only the stored event's own id makes this the one.
        List<LoggedEvent> found = reader.read(candidate - 1, 1);
        return !found.isEmpty() && found.get(0).offset() == candidate && found.get(0).eventId().equals(eventId)
                ? Optional.of(found.get(0)) : Optional.empty();
    }

    private void reserve(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer larger = ByteBuffer.allocateDirect(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
            buffer.flip();
            larger.put(buffer);
            buffer = larger;
        }
    }

    /** After a failed write: unhealthy, and the file cut back to its last synced end (or marked as not cut). */
    private void failed(String what, String problem) {
        health.failed("event log cannot write: " + problem);
        uncut = "a failed write could not be cut off " + file + " (" + problem + ")";
        cut();
        long left = failureLines.take();
        if (left >= 0) {
            log.error("event log {} {}: {}{}", file, what, problem, LogBudget.leftOut(left));
        }
    }

    /**
     * Cuts whatever part of a failed write reached the file, and syncs the cut; true once the file ends at
     * {@code end} for sure. Until then nothing else is written: later bytes would sit between the failed ones
     * and the next start would read them as records.
     */
    private boolean cut() {
        try {
            if (channel.size() > end) {
                channel.truncate(end);
            }
            channel.force(false);
            uncut = null;
            return true;
        } catch (Throwable e) {
            health.failed(uncut + "; cutting it: " + LogHealth.describe(e));
            return false;
        }
    }

    private void publish(List<Planned> planned, long newHighest, long newHead, int bytes) {
        try {
            long now = System.currentTimeMillis();
            for (Planned p : planned) {
                if (p.quarantine()) {
                    index.quarantine(p.offset());
                } else if (p.duplicate()) {
                    index.duplicate(p.position());
                } else {
                    index.event(p.position(), p.offset());
                    synchronized (recentIds) {
                        recentIds.add(p.write().event().eventId(), p.position(), now);
                    }
                }
            }
        } catch (Throwable e) {
            // The batch is on disk but not in the index: reads could miss it, so the log stops taking writes
            // until a restart rebuilds the index from the file. Its writers get 503; LiveKit's retries of them
            // are duplicates then.
            fatal = "the index could not be updated after a write (" + LogHealth.describe(e) + "); restart livehook";
            end += bytes;
            highest = newHighest;
            health.failed("event log cannot write: " + fatal);
            log.error("event log {}: {}", file, fatal);
            GroupCommit.fail(planned.stream().map(Planned::write).toList(), new LogUnavailableException(fatal, e));
            return;
        }
        end += bytes;
        highest = newHighest;
        // Move the head before answering: an appender that reads head() after its append returns must see it.
        head.moveTo(newHead);
        health.ok();
        for (Planned p : planned) {
            p.write().result().complete(p.quarantine() ? null : new Appended(0, p.position(), p.duplicate()));
        }
    }

    /** Idle and unhealthy: try a commit marker alone, at most once a second, to learn whether writes work again. */
    @Override
    public void idle() {
        if (health.healthy() || fatal != null || System.nanoTime() - lastProbeNanos < PROBE_EVERY_NANOS) {
            return;
        }
        lastProbeNanos = System.nanoTime();
        if (uncut != null && !cut()) {
            return;
        }
        buffer.clear();
        LogFile.putCommitAt(buffer, 0, highest);
        buffer.position(LogFile.commitSize()).flip();
        try {
            writeAndSync(buffer.remaining());
        } catch (Throwable e) {
            failed("still cannot write", LogHealth.describe(e));
            return;
        }
        end += LogFile.commitSize();
        health.ok();
        log.info("event log {} can write again", file);
    }
}
