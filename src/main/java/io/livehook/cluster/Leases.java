package io.livehook.cluster;

import io.livehook.retry.BackgroundLoop;
import io.livehook.state.StateStore;
import io.livehook.state.StateTx;
import java.net.InetAddress;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's leases on the slots of one job (the log partitions processing applies, the one reconciler),
 * kept in the state store's partition_owners table, where the processing offsets are too: one source of truth,
 * and the fence in one row. Every {@code renewEvery} it records its heartbeat, renews what it holds, lets go of
 * what is beyond its fair share ({@code ceil(slots / live members)}) and claims free or expired slots up to it.
 *
 * <p>A slot is held under an epoch that grows each time it changes hands. Work done under a lease commits only
 * in a transaction whose {@link StateTx#fence} found the epoch unchanged, so a process that lost a slot (paused
 * longer than its lease, cut off from the database) can never commit for it after another took it over.
 *
 * <p>On a state only one process can open (SQLite), a lease left behind by the process before this one is taken
 * at once: the data directory's lock says that process is gone.
 */
public final class Leases implements AutoCloseable {
    public static final Duration LEASE = Duration.ofSeconds(5);
    public static final Duration RENEW_EVERY = Duration.ofSeconds(1);
    private static final Duration FORGET_MEMBERS = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(Leases.class);

    private final StateStore store;
    private final String job;
    private final int slots;
    private final String member;
    private final Clock clock;
    private final Duration lease;
    private final Duration renewEvery;
    private final Map<Integer, Long> held = new ConcurrentHashMap<>();
    private volatile long heldUntilMs;
    private final BackgroundLoop loop;

    public Leases(StateStore store, String job, int slots, String member, Clock clock, Duration lease,
            Duration renewEvery) {
        if (renewEvery.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("leases must be renewed more often than they last");
        }
        this.store = store;
        this.job = job;
        this.slots = slots;
        this.member = member;
        this.clock = clock;
        this.lease = lease;
        this.renewEvery = renewEvery;
        this.loop = new BackgroundLoop("leases-" + job, Duration.ofSeconds(5));
    }

    public Leases(StateStore store, String job, int slots, String member, Clock clock) {
        this(store, job, slots, member, clock, LEASE, RENEW_EVERY);
    }

    /** A name for this process, unique among those sharing a state: its host and a random part. */
    public static String newMemberId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "livehook";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String member() {
        return member;
    }

    public String job() {
        return job;
    }

    /** Claims a first share now (so a lone process starts at once), then keeps renewing in the background. */
    public void start() {
        try {
            tick();
        } catch (SQLException | RuntimeException e) {
            log.warn("{}: could not take leases yet, trying again: {}", job, e.getMessage());
        }
        loop.start(this::run);
    }

    private void run() {
        while (loop.running()) {
            try {
                Thread.sleep(renewEvery);
                tick();
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                // Not renewed: what this process held is dropped once its lease is over, whatever the store says.
                if (clock.millis() >= heldUntilMs && !held.isEmpty()) {
                    log.warn("{}: leases on {} ran out without renewal, stopping work on them: {}", job,
                            held.keySet(), e.getMessage());
                    held.clear();
                } else {
                    log.warn("{}: renewing leases failed, trying again: {}", job, e.getMessage());
                }
            }
        }
    }

    /** One round: heartbeat, renew, let go of more than the fair share, claim up to it. */
    public void tick() throws SQLException {
        long now = clock.millis();
        long until = now + lease.toMillis();
        // Only one process opens an unshared state: whatever lease is left in it is from one that is gone.
        long expiredBefore = store.shared() ? now : Long.MAX_VALUE;
        Map<Integer, Long> before = new HashMap<>(held);
        Map<Integer, Long> after = store.inTransaction(tx -> {
            tx.heartbeat(job, member, now);
            long live = Math.max(1, tx.liveMembers(job, now - lease.toMillis(), now - FORGET_MEMBERS.toMillis()));
            int share = (int) ((slots + live - 1) / live);
            TreeMap<Integer, Long> kept = new TreeMap<>();
            for (var entry : new TreeMap<>(before).entrySet()) {
                if (tx.renew(job, entry.getKey(), entry.getValue(), until)) {
                    kept.put(entry.getKey(), entry.getValue());
                }
            }
            while (kept.size() > share) {
                var last = kept.pollLastEntry();
                tx.release(job, last.getKey(), last.getValue());
            }
            // Start looking at a place of its own, so that processes starting together do not all want slot 0.
            int first = Math.floorMod(member.hashCode(), slots);
            for (int i = 0; i < slots && kept.size() < share; i++) {
                int slot = (first + i) % slots;
                if (!kept.containsKey(slot)) {
                    OptionalLong epoch = tx.claim(job, slot, member, expiredBefore, until);
                    if (epoch.isPresent()) {
                        kept.put(slot, epoch.getAsLong());
                    }
                }
            }
            return kept;
        });
        heldUntilMs = until;
        for (int slot : before.keySet()) {
            if (!after.containsKey(slot)) {
                held.remove(slot, before.get(slot));
                log.info("{}: {} no longer holds {}", job, member, slot);
            }
        }
        for (var entry : after.entrySet()) {
            if (!entry.getValue().equals(before.get(entry.getKey()))) {
                log.info("{}: {} holds {} (epoch {})", job, member, entry.getKey(), entry.getValue());
            }
            held.put(entry.getKey(), entry.getValue());
        }
    }

    /** The epoch this process holds the slot under, or -1 when it does not hold it. */
    public long epoch(int slot) {
        Long epoch = held.get(slot);
        return epoch == null ? -1 : epoch;
    }

    /** Whether the slot is held under that epoch still, as far as this process knows. */
    public boolean holds(int slot, long epoch) {
        return epoch >= 0 && epoch(slot) == epoch;
    }

    /** True while {@code epoch} holds the slot; then the transaction keeps it from changing hands. */
    public boolean fence(StateTx tx, int slot, long epoch) throws SQLException {
        return tx.fence(job, slot, epoch);
    }

    /** A fence found the slot taken over: stop work on it. */
    public void lost(int slot, long epoch) {
        if (held.remove(slot, epoch)) {
            log.info("{}: {} lost {} (epoch {}) to another process", job, member, slot, epoch);
        }
    }

    /** Stops renewing and lets go of what it holds, so that others take it at once rather than after the lease. */
    @Override
    public void close() {
        loop.close();
        Map<Integer, Long> releasing = new HashMap<>(held);
        held.clear();
        if (releasing.isEmpty()) {
            return;
        }
        try {
            store.inTransaction(tx -> {
                for (var entry : releasing.entrySet()) {
                    tx.release(job, entry.getKey(), entry.getValue());
                }
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            log.warn("{}: could not let go of leases on close (they run out by themselves): {}", job, e.getMessage());
        }
    }
}
