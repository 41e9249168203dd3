package io.livehook.log;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The embedded logs' writes: callers queue them and wait; one writer thread takes whatever has queued up and
 * hands it to the log as one batch, which it makes durable at once (one commit, one sync) and then answers.
 * Whatever the log throws, Errors included, fails that batch (503 for its requests) and marks the log
 * unhealthy; the writer lives on, since a dead writer would leave every later append waiting for ever.
 */
final class GroupCommit implements AutoCloseable {
    private static final int MAX_BATCH = 1024;
    private static final Duration QUEUE_WAIT = Duration.ofSeconds(2);

    /** An append ({@code event}) or a quarantined body, and the caller waiting for it. */
    record Write(IncomingEvent event, Quarantine quarantine, CompletableFuture<Appended> result) {}

    record Quarantine(byte[] body, Instant receivedAt, String keyId, String reason) {}

    /** Makes the batch durable, then completes every write's result, or fails it. */
    @FunctionalInterface
    interface Committer {
        void commit(List<Write> batch);

        /** Called by the writer when nothing was queued for a while: a chance to find out it can write again. */
        default void idle() {}
    }

    private static final long ERROR_PAUSE_MS = 100;

    private final BlockingQueue<Write> queue;
    private final LogHealth health;
    private final Thread writer;
    private volatile boolean closing;

    GroupCommit(int queueCapacity, Committer committer, LogHealth health) {
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.health = health;
        this.writer = Thread.ofPlatform().name("event-log-writer").daemon(false).start(() -> writeLoop(committer));
    }

    Appended append(IncomingEvent event) throws LogUnavailableException {
        return submit(new Write(event, null, new CompletableFuture<>()));
    }

    void quarantine(byte[] body, Instant receivedAt, String keyId, String reason) throws LogUnavailableException {
        submit(new Write(null, new Quarantine(body, receivedAt, keyId, reason), new CompletableFuture<>()));
    }

    private Appended submit(Write write) throws LogUnavailableException {
        if (closing) {
            throw new LogUnavailableException(health.problem().orElse("event log is shutting down"));
        }
        try {
            if (!queue.offer(write, QUEUE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new LogUnavailableException("event log write queue is full");
            }
            return awaitCommit(write);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("interrupted while waiting for the event log", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LogUnavailableException unavailable) {
                throw unavailable;
            }
            throw new LogUnavailableException("event log write failed", e.getCause());
        }
    }

    /**
     * Waits without a timeout: a timed park of a virtual thread arms and cancels a timer on every append. The
     * writer only exits after it has seen {@code closing} and then an empty queue, so a write enqueued before
     * this check reads {@code closing == false} is always committed or failed by it; a write that sees
     * {@code closing} waits for the writer to end and fails whatever it left behind.
     */
    private Appended awaitCommit(Write write) throws InterruptedException, ExecutionException {
        if (closing) {
            writer.join();
            failQueued();
        }
        return write.result().get();
    }

    private void writeLoop(Committer committer) {
        List<Write> batch = new ArrayList<>(MAX_BATCH);
        try {
            while (true) {
                try {
                    Write first = closing ? queue.poll() : queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        if (closing) {
                            return;
                        }
                        committer.idle();
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    committer.commit(batch);
                } catch (InterruptedException e) {
                    throw e;
                } catch (Throwable e) {
                    health.failed("event log writer failed: " + LogHealth.describe(e));
                    fail(batch, new LogUnavailableException("event log cannot write: " + LogHealth.describe(e), e));
                    // An Error such as OutOfMemoryError may well come again at once: give the JVM a moment.
                    Thread.sleep(ERROR_PAUSE_MS);
                } finally {
                    batch.clear();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // However the writer ends, nothing may wait for it: later appends fail at once.
            if (!closing) {
                health.failed("event log writer stopped");
                closing = true;
            }
            failQueued();
        }
    }

    /** Fails every write not answered yet: a write the committer already answered keeps its answer. */
    static void fail(Iterable<Write> writes, LogUnavailableException error) {
        for (Write write : writes) {
            write.result().completeExceptionally(error);
        }
    }

    private void failQueued() {
        List<Write> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, new LogUnavailableException("event log is closed"));
    }

    /** Stops taking writes, lets the writer commit what it has, and waits for it to end. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
