package io.livehook.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps zeros written and synced ahead of the log's end. A sync of a write that grows the file must also
 * commit the file system's journal, which on ext4 first writes out other files' pending data (the state
 * file's, while processing runs); a write into blocks already there is synced alone. Measured on this
 * project's machines: a 8 KB append and sync took 250 µs at the median growing the file, 146 µs in place.
 * Zeros cannot be mistaken for a record, whose length is never 0.
 */
final class Preallocator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Preallocator.class);
    static final long CHUNK_BYTES = 16L << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20);

    private final FileChannel channel;
    private final long maxBytes;
    private final ReentrantLock extending = new ReentrantLock();
    private final Semaphore wanted = new Semaphore(0);
    private final Thread thread;
    private volatile long allocated;
    private volatile boolean closed;

    Preallocator(FileChannel channel, long allocated, long maxBytes) {
        this.channel = channel;
        this.allocated = allocated;
        this.maxBytes = maxBytes;
        this.thread = Thread.ofPlatform().name("event-log-preallocator").daemon().start(this::run);
    }

    /** Makes the file hold at least {@code end} bytes; called by the writer before it writes up to there. */
    void ensure(long end) throws IOException {
        if (end > allocated) {
            extendTo(Math.min(maxBytes, Math.max(end, allocated + CHUNK_BYTES)));
        }
    }

    /** Called after each write: when the zeros ahead run low, the next chunk is written in the background. */
    void written(long end) {
        if (allocated - end < CHUNK_BYTES / 2 && allocated < maxBytes) {
            wanted.release();
        }
    }

    private void run() {
        while (!closed) {
            try {
                if (wanted.tryAcquire(1, TimeUnit.SECONDS)) {
                    wanted.drainPermits();
                    extendTo(Math.min(maxBytes, allocated + CHUNK_BYTES));
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // The writer extends by itself when it needs to, and fails its batch if it cannot.
                log.warn("event log could not write ahead: {}", e.getMessage());
            }
        }
    }

    private void extendTo(long target) throws IOException {
        extending.lock();
        try {
            long at = allocated;
            while (at < target) {
                ByteBuffer zeros = ZEROS.duplicate();
                zeros.limit((int) Math.min(zeros.capacity(), target - at));
                at += channel.write(zeros, at);
            }
            if (at > allocated) {
                channel.force(true);
                allocated = at;
            }
        } finally {
            extending.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
