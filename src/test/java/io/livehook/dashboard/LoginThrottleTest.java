package io.livehook.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.testing.HandClock;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guessing the API token at the login page: a growing wait per address, answered 429 with Retry-After. */
class LoginThrottleTest {
    static final String TOKEN = "login-throttle-test-token-0f9e8d7c6b5a";
    static final String FORM = "application/x-www-form-urlencoded";

    @TempDir
    Path dataDir;

    private final HandClock clock = new HandClock();

    @Test
    void aFewWrongTokensAreFreeThenEachDoublesTheWaitUpToALimit() {
        LoginThrottle throttle = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed("10.0.0.1");
            assertThat(throttle.waitFor("10.0.0.1")).isZero();
        }
        throttle.failed("10.0.0.1");
        assertThat(throttle.waitFor("10.0.0.1")).isEqualTo(Duration.ofSeconds(1));
        assertThat(throttle.waitFor("10.0.0.2")).as("another address").isZero();
        clock.advance(Duration.ofSeconds(1));
        throttle.failed("10.0.0.1");
        assertThat(throttle.waitFor("10.0.0.1")).isEqualTo(Duration.ofSeconds(2));
        for (int i = 0; i < 20; i++) {
            throttle.failed("10.0.0.1");
        }
        assertThat(throttle.waitFor("10.0.0.1")).isEqualTo(LoginThrottle.LONGEST_WAIT);

        throttle.succeeded("10.0.0.1");
        assertThat(throttle.waitFor("10.0.0.1")).isZero();
    }

    @Test
    void quietAddressesAreForgottenAndTheRememberedOnesAreBounded() {
        LoginThrottle throttle = new LoginThrottle(clock);
        for (int i = 0; i <= LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed("10.0.0.1");
        }
        assertThat(throttle.waitFor("10.0.0.1")).isPositive();
        clock.advance(LoginThrottle.FORGET_AFTER.plusSeconds(1));
        throttle.failed("10.0.0.9");
        // Forgotten: its next wrong token is a first one again.
        throttle.failed("10.0.0.1");
        assertThat(throttle.waitFor("10.0.0.1")).isZero();

        for (int i = 0; i < LoginThrottle.MAX_CLIENTS + 100; i++) {
            throttle.failed("fd00::" + Integer.toHexString(i));
        }
        for (int i = 0; i <= LoginThrottle.FREE_FAILURES; i++) {
            throttle.failed("10.0.0.2");
        }
        assertThat(throttle.waitFor("10.0.0.2")).isPositive();
    }

    @Test
    void overHttpAnAddressThatKeepsGuessingGets429WithRetryAfterEvenForTheRightToken() {
        try (Story story = Story.start(dataDir, TOKEN, false)) {
            for (int i = 0; i <= LoginThrottle.FREE_FAILURES; i++) {
                HttpResponse<String> wrong = story.post("/dashboard/login", FORM, "token=guess-" + i);
                assertThat(wrong.statusCode()).isEqualTo(401);
            }
            HttpResponse<String> refused = story.post("/dashboard/login", FORM, "token=" + TOKEN);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.body()).contains("Too many wrong tokens").doesNotContain(TOKEN);

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            HttpResponse<String> after = refused;
            while (after.statusCode() == 429 && System.nanoTime() < deadline) {
                sleep(200);
                after = story.post("/dashboard/login", FORM, "token=" + TOKEN);
            }
            assertThat(after.statusCode()).as("the right token once the wait is over").isEqualTo(303);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
