package io.livehook.retry;

import java.time.Duration;

/**
 * The thread of a loop that keeps trying in the background (renewing leases, reconciling, looking for silent
 * rooms, pruning the stream's old changes) until its owner closes it. Closing interrupts the loop's waits, so
 * that a stop never waits out a pause, then waits a bounded time for the loop to leave.
 */
public final class BackgroundLoop implements AutoCloseable {

    private final String name;
    private final Duration stopWithin;
    private volatile boolean running;
    private Thread thread;

    public BackgroundLoop(String name, Duration stopWithin) {
        this.name = name;
        this.stopWithin = stopWithin;
    }

    /** Starts {@code loop} on a daemon thread; the loop goes on while {@link #running()} is true. */
    public synchronized void start(Runnable loop) {
        if (thread != null) {
            throw new IllegalStateException(name + " is started already");
        }
        running = true;
        thread = Thread.ofPlatform().name(name).daemon().start(loop);
    }

    public boolean running() {
        return running;
    }

    /**
     * Waits {@code pause} after a failure, for a loop whose {@code catch} cannot throw: an interrupt ends the
     * wait early and stays set, so the loop's next wait returns at once and {@link #running()} says why.
     */
    public static void pauseAfterFailure(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Thread started;
        synchronized (this) {
            running = false;
            started = thread;
        }
        if (started == null) {
            return;
        }
        started.interrupt();
        try {
            started.join(stopWithin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
