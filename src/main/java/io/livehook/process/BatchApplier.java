package io.livehook.process;

import io.livehook.cluster.Leases;
import io.livehook.deliver.Outbox;
import io.livehook.log.LoggedEvent;
import io.livehook.retry.Backoff;
import io.livehook.state.Anomaly;
import io.livehook.state.DeadLetter;
import io.livehook.state.StateStore;
import io.livehook.state.StateTx;
import io.livehook.state.StoredEvent;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Applies a lane's batch in one transaction: records every event as applied in one batched statement (whose
 * answers are the dedupe by event id), reads the rows the batch touches ahead, runs the rules in memory over
 * them, then writes what changed, the anomalies, the dead letters and the outbox in batched statements.
 *
 * <p>An event that cannot be applied because of what it is is dead-lettered: a body that does not parse, or
 * breaks {@link EventValidation}, is known before the transaction begins; a rule that throws rolls the
 * transaction back, and the batch is applied again with that event dead-lettered in it, so no savepoint is
 * paid per event. A write the database refuses
 * cannot be laid at one event's door: the batch is then applied one event per transaction to find it. A store
 * that fails whatever the event is waited for, dead-lettering nothing.
 */
final class BatchApplier {
    /** Pauses between attempts while the state store fails: 200 ms, doubling, at most 5 s. */
    private static final Backoff STORE_RETRY = Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5));

    private final StateStore store;
    private final Outbox outbox;
    private final Clock clock;
    private final BooleanSupplier running;
    private final Leases leases;
    private final PresenceCounts presence = new PresenceCounts();

    BatchApplier(StateStore store, Outbox outbox, Clock clock, BooleanSupplier running, Leases leases) {
        this.store = store;
        this.leases = leases;
        this.outbox = outbox;
        this.clock = clock;
        this.running = running;
    }

    /** What a transaction did, and the state it did it in, to tell about once it is committed. */
    private record Applied(List<Outcome> outcomes, BatchState state) {
        List<Outcome> committed() {
            state.committed();
            return outcomes;
        }
    }

    /** An event parsed before its transaction, or why it cannot be. */
    private record Parsed(Work work, LiveKitEvent event, String error) {}

    /** A rule threw for the batch's {@code index}-th event: the batch goes again with it dead-lettered. */
    private static final class RuleFailed extends RuntimeException {
        final int index;

        RuleFailed(int index, Exception cause) {
            super(cause.getMessage(), cause, false, false);
            this.index = index;
        }
    }

    /**
     * Applies the batch, waiting out a failing store; returns the outcomes of the work done, in batch order: all
     * of it, or a beginning of it when the processor stops first. Throws {@link Fenced}, with nothing committed,
     * when a partition of the batch is no longer this process's.
     */
    List<Outcome> apply(List<Work> batch, StoreOutage outage) throws InterruptedException {
        List<Parsed> parsed = new ArrayList<>(batch.size());
        for (Work work : batch) {
            parsed.add(parse(work));
        }
        Map<Integer, String> ruleFailures = new HashMap<>();
        for (int attempt = 1; ; ) {
            try {
                List<Outcome> outcomes = store.inTransaction(tx -> applyAll(tx, parsed, ruleFailures)).committed();
                outage.over();
                return outcomes;
            } catch (RuleFailed failed) {
                ruleFailures.put(failed.index, StoreOutage.describe(failed.getCause()));
            } catch (Fenced fenced) {
                throw fenced;
            } catch (SQLException | RuntimeException e) {
                if (!store.isTemporary(e)) {
                    return oneByOne(parsed, ruleFailures, outage);
                }
                outage.failed(e);
                if (!waitBeforeRetry(attempt++)) {
                    return List.of();
                }
            }
        }
    }

    private static Parsed parse(Work work) {
        try {
            EventValidation.check(work.event());
            return new Parsed(work, LiveKitEvent.parse(work.event()), null);
        } catch (Exception e) {
            return new Parsed(work, null, StoreOutage.describe(e));
        }
    }

    private Applied applyAll(StateTx tx, List<Parsed> batch, Map<Integer, String> ruleFailures)
            throws SQLException {
        fence(tx, batch);
        long nowMs = clock.millis();
        List<StoredEvent> stored = new ArrayList<>(batch.size());
        List<LiveKitEvent> toApply = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Parsed p = batch.get(i);
            if (p.error() == null && !ruleFailures.containsKey(i)) {
                stored.add(stored(p.event()));
                toApply.add(p.event());
            }
        }
        boolean[] recorded = tx.recordEvents(stored);
        BatchState state = new BatchState(tx, presence);
        state.readAhead(toApply);
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        List<DeadLetter.Failure> failures = new ArrayList<>();
        List<String> resolved = new ArrayList<>();
        List<StoredEvent> applied = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < batch.size(); i++) {
            Parsed p = batch.get(i);
            LoggedEvent event = p.work().event();
            String error = p.error() != null ? p.error() : ruleFailures.get(i);
            if (error != null) {
                failures.add(new DeadLetter.Failure(event.eventId(), event.partition(), event.offset(),
                        event.eventType(), event.queueKey(), error, nowMs));
                outcomes.add(Outcome.deadLettered(event, error));
                continue;
            }
            int at = next++;
            if (!p.work().fresh()) {
                resolved.add(event.eventId());
            }
            if (!recorded[at]) {
                outcomes.add(Outcome.duplicate(event));
                continue;
            }
            List<Anomaly> anomalies;
            try {
                anomalies = EventRules.apply(state, p.event());
            } catch (SQLException e) {
                if (store.isTemporary(e)) {
                    throw e; // the store's failure, not the event's: the whole transaction is tried again
                }
                throw new RuleFailed(i, e);
            } catch (RuntimeException e) {
                throw new RuleFailed(i, e);
            }
            // Newly applied, so queued for delivery now: in this transaction, never again for a duplicate.
            applied.add(stored.get(at));
            outcomes.add(Outcome.applied(event, anomalies));
        }
        state.flush(nowMs);
        tx.recordDeadLetters(failures);
        tx.resolveDeadLetters(resolved);
        outbox.enqueue(tx, applied, nowMs);
        return new Applied(outcomes, state);
    }

    /**
     * First in the transaction: each partition of the batch is still held under the epoch its events were read
     * under, and stays so until the commit (the fence holds the ownership row). In partition order, so that two
     * transactions never wait on each other's rows.
     */
    private void fence(StateTx tx, List<Parsed> batch) throws SQLException {
        TreeMap<Integer, Long> epochs = new TreeMap<>();
        for (Parsed p : batch) {
            epochs.put(p.work().event().partition(), p.work().epoch());
        }
        for (var entry : epochs.entrySet()) {
            if (!leases.fence(tx, entry.getKey(), entry.getValue())) {
                throw new Fenced(entry.getKey(), entry.getValue());
            }
        }
    }

    /**
     * Applies each event in a transaction of its own, to find the one whose write the database refuses; that one
     * is dead-lettered. Stops at the first event not done when the processor stops.
     */
    private List<Outcome> oneByOne(List<Parsed> batch, Map<Integer, String> ruleFailures, StoreOutage outage)
            throws InterruptedException {
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            List<Parsed> alone = List.of(batch.get(i));
            Map<Integer, String> failure = ruleFailures.containsKey(i) ? Map.of(0, ruleFailures.get(i)) : Map.of();
            Outcome outcome = applyAlone(alone, failure, outage);
            if (outcome == null) {
                break;
            }
            outcomes.add(outcome);
        }
        return outcomes;
    }

    /** The outcome of one event applied on its own, waiting out a failing store; null if stopped first. */
    private Outcome applyAlone(List<Parsed> alone, Map<Integer, String> ruleFailure, StoreOutage outage)
            throws InterruptedException {
        Map<Integer, String> failure = new HashMap<>(ruleFailure);
        for (int attempt = 1; running.getAsBoolean(); ) {
            try {
                Outcome outcome = store.inTransaction(tx -> applyAll(tx, alone, failure)).committed().get(0);
                outage.over();
                return outcome;
            } catch (RuleFailed failed) {
                failure.put(0, StoreOutage.describe(failed.getCause()));
                continue;
            } catch (Fenced fenced) {
                throw fenced;
            } catch (SQLException | RuntimeException e) {
                if (store.isTemporary(e)) {
                    outage.failed(e);
                } else if (!failure.containsKey(0)) {
                    failure.put(0, StoreOutage.describe(e)); // a constraint the event's data violates
                    continue;
                } else {
                    outage.failed(e); // even recording its dead letter fails
                }
            }
            if (!waitBeforeRetry(attempt++)) {
                return null;
            }
        }
        return null;
    }

    /** A growing pause before the next attempt at a failing store; false if the processor stops meanwhile. */
    private boolean waitBeforeRetry(int attempt) throws InterruptedException {
        long pauseMs = STORE_RETRY.delay(attempt).toMillis();
        for (long waited = 0; waited < pauseMs && running.getAsBoolean(); waited += 50) {
            Thread.sleep(Math.min(50, pauseMs - waited));
        }
        return running.getAsBoolean();
    }

    private static StoredEvent stored(LiveKitEvent e) {
        var event = e.event();
        LoggedEvent logged = e.logged();
        return new StoredEvent(logged.eventId(), logged.partition(), logged.offset(), logged.eventType(),
                LiveKitEvent.knownType(logged.eventType()), logged.queueKey(), emptyToNull(e.roomSid()),
                emptyToNull(e.roomName()), emptyToNull(event.getParticipant().getSid()),
                emptyToNull(event.getParticipant().getIdentity()), emptyToNull(event.getTrack().getSid()),
                emptyToNull(event.getEgressInfo().getEgressId()), emptyToNull(event.getIngressInfo().getIngressId()),
                event.getCreatedAt() > 0 ? event.getCreatedAt() * 1000 : null, logged.receivedAt().toEpochMilli(),
                logged.origin().label(), logged.keyId(), logged.body().length);
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
