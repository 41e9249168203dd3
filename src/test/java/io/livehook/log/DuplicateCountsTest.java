package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DuplicateCountsTest {

    @Test
    void countsEachPlaceApart() {
        DuplicateCounts counts = new DuplicateCounts();
        counts.add(7);
        counts.add(7);
        counts.add(9);
        assertThat(counts.of(7)).isEqualTo(2);
        assertThat(counts.of(9)).isEqualTo(1);
        assertThat(counts.of(8)).isZero();
    }

    @Test
    void keepsOnlyTheMostRecentlyDuplicatedWhenFull() {
        DuplicateCounts counts = new DuplicateCounts(3);
        counts.add(1);
        counts.add(2);
        counts.add(3);
        counts.add(1); // 1 came again: now the most recent, 2 the eldest
        counts.add(4);
        assertThat(counts.of(2)).isZero();
        assertThat(counts.of(1)).isEqualTo(2);
        assertThat(counts.of(3)).isEqualTo(1);
        assertThat(counts.of(4)).isEqualTo(1);
    }
}
