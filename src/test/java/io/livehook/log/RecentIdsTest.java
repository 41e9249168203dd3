package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentIdsTest {
    private static final long HOUR = 60 * 60 * 1000L;

    @Test
    void idsAreKeptForAtLeastOneGenerationAndForgottenAfterTwo() {
        RecentIds ids = new RecentIds(0);
        ids.add("EV_a", 1, 0);
        ids.add("EV_b", 2, 13 * HOUR); // rotates: EV_a is in the previous generation now
        assertThat(ids.candidate("EV_a")).isEqualTo(1);
        assertThat(ids.candidate("EV_b")).isEqualTo(2);
        ids.add("EV_c", 3, 26 * HOUR); // rotates again: EV_a's generation is dropped
        assertThat(ids.candidate("EV_a")).isZero();
        assertThat(ids.candidate("EV_b")).isEqualTo(2);
        assertThat(ids.candidate("EV_c")).isEqualTo(3);
    }

    @Test
    void manyIdsGrowTheTableAndAllAreFound() {
        RecentIds ids = new RecentIds(0);
        int n = 100_000;
        for (int i = 1; i <= n; i++) {
            ids.add("EV_" + i, i, 0);
        }
        for (int i = 1; i <= n; i++) {
            assertThat(ids.candidate("EV_" + i)).isEqualTo(i);
        }
        assertThat(ids.candidate("EV_none")).isZero();
    }

    @Test
    void theFirstPositionOfAnIdIsKept() {
        RecentIds ids = new RecentIds(0);
        ids.add("EV_a", 5, 0);
        ids.add("EV_a", 9, 0);
        assertThat(ids.candidate("EV_a")).isEqualTo(5);
    }

    @Test
    void aFullGenerationRotatesBeforeItsTime() {
        RecentIds ids = new RecentIds(0, 2);
        ids.add("EV_a", 1, 0);
        ids.add("EV_b", 2, 0);
        ids.add("EV_c", 3, 0); // the first generation is full: EV_a and EV_b are the previous one now
        assertThat(ids.candidate("EV_a")).isEqualTo(1);
        ids.add("EV_d", 4, 0);
        ids.add("EV_e", 5, 0); // full again: EV_a's generation is dropped, an hour after it began or not
        assertThat(ids.candidate("EV_a")).isZero();
        assertThat(ids.candidate("EV_c")).isEqualTo(3);
        assertThat(ids.candidate("EV_e")).isEqualTo(5);
    }
}
