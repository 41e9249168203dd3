package io.livehook.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void growsExponentiallyWithinTheJitterAndIsCapped() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2, 0.2);
        Random random = new Random(42);
        for (int n = 1; n <= 12; n++) {
            double base = Math.min(1000 * Math.pow(2, n - 1), 60_000);
            for (int i = 0; i < 50; i++) {
                long ms = backoff.delay(n, random).toMillis();
                assertThat(ms).isBetween((long) (base * 0.8) - 1, Math.min((long) (base * 1.2) + 1, 60_000));
            }
        }
    }

    @Test
    void withoutJitterItIsExact() {
        Backoff tripling = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 3, 0);
        assertThat(IntStream.of(1, 2, 3, 4).mapToObj(n -> tripling.delay(n, new Random())).toList()).containsExactly(
                Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofMillis(900), Duration.ofSeconds(1));
        Backoff doubling = Backoff.doubling(Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(List.of(1, 2, 3, 4, 10, 1000).stream().map(doubling::delay).toList()).containsExactly(
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void aRetryAfterReplacesTheBackoffCappedByTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2, 0.2);
        Random random = new Random(1);
        assertThat(backoff.delay(1, Optional.of(Duration.ofSeconds(7)), random)).isEqualTo(Duration.ofSeconds(7));
        assertThat(backoff.delay(1, Optional.of(Duration.ofHours(1)), random)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.delay(3, Optional.empty(), random)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
    }

    @Test
    void refusesShrinkingOrNegativeSchedules() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5), 0.5, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(-1), Duration.ofSeconds(5), 2, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5), 2, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
