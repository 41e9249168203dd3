package io.livehook.deliver;

import io.livehook.config.DestinationConfig;
import java.time.Clock;
import java.time.Duration;

/**
 * A circuit breaker for one destination. Closed: requests flow. After {@code failureThreshold} failures
 * in a row it opens: nothing is sent for {@code open} (the backlog waits, nothing is dropped). Then it is
 * half-open: one probe goes out; its success closes the circuit, its failure opens it again.
 */
final class Circuit {
    enum State {
        CLOSED(0, "closed"), HALF_OPEN(1, "half_open"), OPEN(2, "open");

        final int gauge;
        /** How the API and the dashboard name it. */
        final String label;

        State(int gauge, String label) {
            this.gauge = gauge;
            this.label = label;
        }
    }

    private final int failureThreshold;
    private final Duration openFor;
    private final Clock clock;
    private final Runnable onOpen;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openUntilMs;
    private boolean probeOut;

    Circuit(DestinationConfig.Circuit settings, Clock clock, Runnable onOpen) {
        this.failureThreshold = settings.failureThreshold();
        this.openFor = settings.open();
        this.clock = clock;
        this.onOpen = onOpen;
    }

    /** Whether a request may go out now; in half-open state only the one probe may. */
    synchronized boolean tryAcquire() {
        if (state == State.OPEN && clock.millis() >= openUntilMs) {
            state = State.HALF_OPEN;
            probeOut = false;
        }
        return switch (state) {
            case CLOSED -> true;
            case OPEN -> false;
            case HALF_OPEN -> {
                if (probeOut) {
                    yield false;
                }
                probeOut = true;
                yield true;
            }
        };
    }

    /** A granted request that was not made after all: lets the next probe go in its place. */
    synchronized void release() {
        if (state == State.HALF_OPEN) {
            probeOut = false;
        }
    }

    /** The receiver answered (any answer that is not a failure worth waiting out). */
    synchronized void onSuccess() {
        consecutiveFailures = 0;
        state = State.CLOSED;
        probeOut = false;
    }

    /** The receiver failed in a way waiting may help: 5xx, 408, 425, 429, timeout, connection error. */
    synchronized void onFailure() {
        consecutiveFailures++;
        if (failureThreshold > 0 && (state == State.HALF_OPEN || consecutiveFailures >= failureThreshold)
                && state != State.OPEN) {
            state = State.OPEN;
            openUntilMs = clock.millis() + openFor.toMillis();
            probeOut = false;
            onOpen.run();
        }
    }

    /** Milliseconds until an open circuit lets a probe through; 0 when not open. */
    synchronized long msUntilProbe() {
        return state == State.OPEN ? Math.max(0, openUntilMs - clock.millis()) : 0;
    }

    synchronized State state() {
        if (state == State.OPEN && clock.millis() >= openUntilMs) {
            return State.HALF_OPEN;
        }
        return state;
    }
}
