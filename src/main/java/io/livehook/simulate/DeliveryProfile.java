package io.livehook.simulate;

import io.livehook.retry.Backoff;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * How a LiveKit deployment delivers webhooks to one URL: per-key FIFO queues of at most {@code maxDepth}
 * waiting events, one request in flight per queue, events older than {@code maxAge} when their turn comes
 * dropped unsent, at most {@code maxAttempts} attempts waiting {@code retryWait} (go-retryablehttp's doubling)
 * or the server's Retry-After, and an optional per-attempt timeout.
 *
 * <p>Every duration is LiveKit's, in LiveKit's time. {@code timeScale} maps it to the time the simulator
 * really waits (1 in real runs; tests use a fraction to run the exact schedule in milliseconds).
 */
public record DeliveryProfile(
        String name,
        int maxAttempts,
        Backoff retryWait,
        Optional<Duration> attemptTimeout,
        int maxDepth,
        Duration maxAge,
        double timeScale) {

    /** go-retryablehttp's DefaultBackoff: 1 s doubling, 30 s at most. */
    private static final Backoff GO_RETRYABLEHTTP = Backoff.doubling(Duration.ofSeconds(1), Duration.ofSeconds(30));

    public DeliveryProfile {
        if (maxAttempts < 1 || maxDepth < 1) {
            throw new IllegalArgumentException("a profile needs at least one attempt and a queue of one");
        }
        if (!(timeScale > 0)) {
            throw new IllegalArgumentException("timeScale must be positive, not " + timeScale);
        }
    }

    /** Open-source livekit-server: go-retryablehttp's defaults (4 retries, 1 s doubling, 30 s cap), no timeout. */
    public static DeliveryProfile oss() {
        return new DeliveryProfile("oss", 5, GO_RETRYABLEHTTP, Optional.empty(), 200, Duration.ofSeconds(30), 1);
    }

    /**
     * LiveKit Cloud as its staff describe it: about 3 s per attempt, 3 attempts. The waits between attempts
     * are not published; the open-source ones are assumed.
     */
    public static DeliveryProfile cloud() {
        return new DeliveryProfile("cloud", 3, GO_RETRYABLEHTTP, Optional.of(Duration.ofSeconds(3)), 200,
                Duration.ofSeconds(30), 1);
    }

    public static DeliveryProfile named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "oss" -> oss();
            case "cloud" -> cloud();
            default -> throw new IllegalArgumentException("unknown delivery profile \"" + name + "\" (oss or cloud)");
        };
    }

    /** The same profile run {@code factor} times as fast. */
    public DeliveryProfile scaled(double factor) {
        return new DeliveryProfile(name, maxAttempts, retryWait, attemptTimeout, maxDepth, maxAge, factor);
    }

    /** The real time to wait for a LiveKit duration. */
    Duration real(Duration nominal) {
        return Duration.ofNanos(Math.round(nominal.toNanos() * timeScale));
    }

    /** The LiveKit duration a real elapsed time stands for. */
    Duration nominal(Duration real) {
        return Duration.ofNanos(Math.round(real.toNanos() / timeScale));
    }
}
