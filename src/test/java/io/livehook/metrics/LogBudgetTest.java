package io.livehook.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LogBudgetTest {
    private Instant now = Instant.parse("2026-11-29T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void aFloodIsCutToTheBudgetAndTheNextWindowSaysHowManyWereLeftOut() {
        LogBudget budget = new LogBudget(3, Duration.ofMinutes(1), clock);
        assertThat(budget.take()).isZero();
        assertThat(budget.take()).isZero();
        assertThat(budget.take()).isZero();
        for (int i = 0; i < 100; i++) {
            assertThat(budget.take()).isEqualTo(-1);
        }
        now = now.plusSeconds(59);
        assertThat(budget.take()).isEqualTo(-1);
        now = now.plusSeconds(1);
        assertThat(budget.take()).isEqualTo(101);
        assertThat(budget.take()).isZero();
    }

    @Test
    void aLoggedLineSaysHowManyWereLeftOutOnlyWhenSomeWere() {
        assertThat(LogBudget.leftOut(0)).isEmpty();
        assertThat(LogBudget.leftOut(101)).isEqualTo(" (101 similar lines were not logged)");
    }
}
