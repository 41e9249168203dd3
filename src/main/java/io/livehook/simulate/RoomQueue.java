package io.livehook.simulate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One of LiveKit's per-key webhook queues: FIFO, at most {@code maxDepth} events waiting (the one in flight
 * not counted, as in LiveKit's resource queue), and one worker that handles an event completely, retries
 * included, before taking the next. The worker is a virtual thread that exits when the queue runs empty.
 */
final class RoomQueue {
    record Queued(GeneratedEvent event, long enqueuedNanos) {}

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
    private final int maxDepth;
    private final Consumer<Queued> handler;
    private Thread worker;
    private boolean closed;

    RoomQueue(int maxDepth, Consumer<Queued> handler) {
        this.maxDepth = maxDepth;
        this.handler = handler;
    }

    /** False when the queue is full (or closed): the event is dropped, as LiveKit drops it. */
    boolean offer(GeneratedEvent event, long nowNanos) {
        lock.lock();
        try {
            if (closed || waiting.size() >= maxDepth) {
                return false;
            }
            waiting.add(new Queued(event, nowNanos));
            if (worker == null) {
                worker = Thread.ofVirtual().name("webhook-queue").start(this::work);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        while (true) {
            Queued next;
            lock.lock();
            try {
                next = closed ? null : waiting.poll();
                if (next == null) {
                    worker = null;
                    return;
                }
            } finally {
                lock.unlock();
            }
            handler.accept(next);
        }
    }

    /** Stops the queue: returns the events still waiting and interrupts the one in flight. */
    List<Queued> close() {
        lock.lock();
        try {
            closed = true;
            List<Queued> left = new ArrayList<>(waiting);
            waiting.clear();
            if (worker != null) {
                worker.interrupt();
            }
            return left;
        } finally {
            lock.unlock();
        }
    }
}
