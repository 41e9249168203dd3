package io.livehook.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.state.StateStore;
import io.livehook.state.TestPostgres;
import io.livehook.testing.HandClock;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases on a real PostgreSQL state, ticked by hand on a hand-moved clock: fair shares, take-over after a
 * holder stops, and the fence that keeps a holder that lost a slot from committing.
 */
@Timeout(60)
class LeasesTest {
    private static final int SLOTS = 12;
    private final HandClock clock = new HandClock();
    private final List<Leases> members = new ArrayList<>();
    private StateStore store;

    @TempDir
    Path dir;

    @BeforeEach
    void open() {
        TestPostgres.quiet();
        store = StateStore.open(TestPostgres.location(TestPostgres.newDatabase()));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Leases member(String name, int slots) {
        Leases leases = new Leases(store, "process", slots, name, clock);
        members.add(leases);
        return leases;
    }

    private static boolean fenced(StateStore on, StateStore.TxWork<Boolean> fence) throws SQLException {
        return on.inTransaction(fence);
    }

    private static Set<Integer> held(Leases leases, int slots) {
        Set<Integer> held = new HashSet<>();
        IntStream.range(0, slots).filter(s -> leases.epoch(s) >= 0).forEach(held::add);
        return held;
    }

    private static void rounds(int n, List<Leases> ticking) throws SQLException {
        for (int i = 0; i < n; i++) {
            for (Leases leases : ticking) {
                leases.tick();
            }
        }
    }

    @Test
    void liveMembersShareTheSlotsFairly_eachSlotHeldByOne() throws Exception {
        Leases a = member("a", SLOTS);
        a.tick();
        assertThat(held(a, SLOTS)).as("alone, it takes every slot").hasSize(SLOTS);

        Leases b = member("b", SLOTS);
        Leases c = member("c", SLOTS);
        rounds(3, List.of(a, b, c));

        Set<Integer> all = new HashSet<>();
        for (Leases leases : List.of(a, b, c)) {
            Set<Integer> mine = held(leases, SLOTS);
            assertThat(mine).as("%s holds its share, ceil(12 / 3)", leases.member()).hasSize(4);
            assertThat(all).as("no slot held twice").doesNotContainAnyElementsOf(mine);
            all.addAll(mine);
        }
        assertThat(all).hasSize(SLOTS);
    }

    @Test
    void aHolderThatStopsRenewingLosesItsSlotsAfterTheLease_andItsOldEpochNoLongerCommits() throws Exception {
        Leases a = member("a", SLOTS);
        Leases b = member("b", SLOTS);
        rounds(3, List.of(a, b));
        Set<Integer> ofA = held(a, SLOTS);
        assertThat(ofA).hasSize(6);
        int slot = ofA.iterator().next();
        long oldEpoch = a.epoch(slot);

        // a stops (paused, cut off): b takes nothing of it before the lease is over...
        clock.advance(Leases.LEASE.minusMillis(500));
        b.tick();
        assertThat(held(b, SLOTS)).hasSize(6);
        clock.advance(Duration.ofMillis(600));
        b.tick();
        assertThat(held(b, SLOTS)).as("after it, every slot is b's").hasSize(SLOTS);
        assertThat(b.epoch(slot)).isGreaterThan(oldEpoch);

        // ...and a, still believing it holds the slot, cannot commit for it any more.
        assertThat(a.holds(slot, oldEpoch)).isTrue();
        assertThat(fenced(store, tx -> a.fence(tx, slot, oldEpoch))).isFalse();
        assertThat(fenced(store, tx -> b.fence(tx, slot, b.epoch(slot)))).isTrue();
        a.tick();
        assertThat(held(a, SLOTS)).as("its next round finds its leases gone").isEmpty();
    }

    @Test
    void aHolderThatClosesLetsGoAtOnce() throws Exception {
        Leases a = member("a", 1);
        Leases b = member("b", 1);
        a.tick();
        b.tick();
        assertThat(a.epoch(0)).as("one slot (the reconciler): the first takes it").isPositive();
        assertThat(b.epoch(0)).as("and the other waits").isNegative();
        a.close();
        b.tick();
        assertThat(b.epoch(0)).as("taken without waiting out the lease").isPositive();
    }

    @Test
    void aMemberThatComesBackUnderItsNameTakesBackWhatItHeld() throws Exception {
        Leases before = member("a", 2);
        before.tick();
        long epoch = before.epoch(0);
        Leases after = member("a", 2);
        after.tick();
        assertThat(held(after, 2)).hasSize(2);
        assertThat(after.epoch(0)).isGreaterThan(epoch);
        assertThat(fenced(store, tx -> before.fence(tx, 0, epoch))).isFalse();
    }

    @Test
    void onAStateOnlyOneProcessOpensALeaseLeftBehindIsTakenAtOnce() throws Exception {
        try (StateStore sqlite = StateStore.sqlite(dir.resolve("state.db"))) {
            Leases gone = new Leases(sqlite, "process", 1, "gone", clock);
            gone.tick();
            Leases next = new Leases(sqlite, "process", 1, "next", clock);
            next.tick();
            assertThat(next.epoch(0)).isPositive();
            assertThat(fenced(sqlite, tx -> gone.fence(tx, 0, gone.epoch(0)))).isFalse();
        }
    }
}
