package io.livehook.deliver;

import io.livehook.config.DestinationConfig.Retry;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** How long to wait before the next attempt. */
final class Backoff {
    private Backoff() {}

    /**
     * {@code initial * multiplier^(failedAttempts-1)}, spread by ±jitter, capped at the maximum. A
     * {@code Retry-After} the receiver sent replaces it, capped at the maximum as well.
     */
    static Duration delay(Retry retry, int failedAttempts, Optional<Duration> retryAfter, RandomGenerator random) {
        long maxMs = retry.maxBackoff().toMillis();
        if (retryAfter.isPresent()) {
            return Duration.ofMillis(Math.max(0, Math.min(retryAfter.get().toMillis(), maxMs)));
        }
        double base = retry.initialBackoff().toMillis() * Math.pow(retry.multiplier(), Math.max(0, failedAttempts - 1));
        double spread = retry.jitter() == 0 ? 1 : 1 + retry.jitter() * (2 * random.nextDouble() - 1);
        double ms = Math.min(base, maxMs) * spread;
        return Duration.ofMillis(Math.max(0, Math.min(Math.round(ms), maxMs)));
    }
}
