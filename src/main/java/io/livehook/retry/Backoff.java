package io.livehook.retry;

import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How long to wait after the n-th failure in a row: {@code initial * multiplier^(n-1)}, capped at {@code max},
 * spread by ±{@code jitter} (a share, 0 for none) and capped again. Durable retries keep their attempt count in
 * the database and ask this for the next wait; nothing here sleeps or counts.
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

    public Backoff {
        if (initial.isNegative() || max.isNegative() || !(multiplier >= 1) || !(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("backoff needs initial, max >= 0, multiplier >= 1 and jitter in [0, 1]");
        }
    }

    /** Doubling from {@code initial} up to {@code max}, no jitter. */
    public static Backoff doubling(Duration initial, Duration max) {
        return new Backoff(initial, max, 2, 0);
    }

    /** The wait after {@code failures} failures in a row (1 for the first), without jitter. */
    public Duration delay(int failures) {
        return delay(failures, null);
    }

    /** The wait after {@code failures} failures in a row (1 for the first), spread by the jitter. */
    public Duration delay(int failures, RandomGenerator random) {
        double maxNanos = max.toNanos();
        double base = Math.min(initial.toNanos() * Math.pow(multiplier, Math.max(0, failures - 1)), maxNanos);
        double spread = jitter == 0 || random == null ? 1 : 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofNanos(Math.round(Math.max(0, Math.min(base * spread, maxNanos))));
    }

    /** The server's {@link RetryAfter} when it sent one, capped at {@code max}; else {@link #delay(int, RandomGenerator)}. */
    public Duration delay(int failures, Optional<Duration> retryAfter, RandomGenerator random) {
        return retryAfter.map(wait -> wait.compareTo(max) > 0 ? max : wait).orElseGet(() -> delay(failures, random));
    }
}
