package io.livehook.log;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The newest offset of an embedded log, and the readers waiting for it to move. Waiting takes no lock the
 * writer needs: processing waits at a lower CPU priority, and a lock it held while preempted would stall the
 * writer and with it every ACK.
 */
final class LogHead {
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
    private volatile long offset;
    private volatile boolean closed;

    LogHead(long offset) {
        this.offset = offset;
    }

    long get() {
        return offset;
    }

    void moveTo(long newOffset) {
        if (newOffset != offset) {
            offset = newOffset;
            wakeAll();
        }
    }

    /**
     * For a log whose head several threads learn about (each append's acknowledgement, a poll of the end):
     * moves it forward only. The file log's single writer uses {@link #moveTo} and never takes this lock.
     */
    synchronized void advanceTo(long newOffset) {
        if (newOffset > offset) {
            offset = newOffset;
            wakeAll();
        }
    }

    /** Waits until the head is after {@code after}; false on timeout or once closed. */
    boolean awaitAfter(long after, Duration timeout) throws InterruptedException {
        if (offset > after) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread self = Thread.currentThread();
        waiting.add(self);
        try {
            while (offset <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            return true;
        } finally {
            waiting.remove(self);
        }
    }

    void close() {
        closed = true;
        wakeAll();
    }

    private void wakeAll() {
        for (Thread reader : waiting) {
            LockSupport.unpark(reader);
        }
    }
}
