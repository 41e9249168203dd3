package io.livehook.deliver;

import io.livehook.cluster.Leases;
import io.livehook.config.DestinationConfig;
import io.livehook.log.EventLog;
import io.livehook.state.DeliveryFilter;
import io.livehook.state.DeliveryStore;
import io.livehook.state.DeliveryStore.DestinationFigures;
import io.livehook.state.StateStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards processed events to the configured destinations: owns the outbox processing writes into,
 * one sender per destination, and the operations an operator runs on dead letters and replays.
 */
public final class DeliveryService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryService.class);

    private final DeliveryStore store;
    private final Clock clock;
    private final Map<String, DestinationSender> senders = new LinkedHashMap<>();
    private final Outbox outbox;
    /** The lease epoch whose in-flight leftovers were recovered; -1 before the first. */
    private final AtomicLong recovered = new AtomicLong(-1);
    private volatile Optional<Leases> lock = Optional.empty();

    /** The bodies sent are read from {@code eventLog}. */
    public DeliveryService(List<DestinationConfig> destinations, StateStore state, EventLog eventLog, Clock clock,
            MeterRegistry registry) {
        this.store = new DeliveryStore(state);
        this.clock = clock;
        for (DestinationConfig destination : destinations) {
            senders.put(destination.name(), new DestinationSender(destination, store, eventLog, clock,
                    registry, this::delivering));
        }
        this.outbox = new Outbox(destinations, this::wakeAll);
    }

    /** What processing hands newly applied events to. */
    public Outbox outbox() {
        return outbox;
    }

    public DeliveryStore store() {
        return store;
    }

    /** Starts delivering at once: this process is the only one that delivers from its state. */
    public void start() {
        startSenders(Optional.empty());
    }

    /**
     * Delivers whenever this process holds {@code lock} (one slot): with several livehooks on one state, one
     * delivers at a time and another takes over when it stops, so a room's order and the outbox's claims never
     * have two processes behind them.
     */
    public void start(Leases lock) {
        startSenders(Optional.of(lock));
    }

    private void startSenders(Optional<Leases> lock) {
        if (senders.isEmpty()) {
            return;
        }
        this.lock = lock;
        lock.ifPresent(Leases::start);
        senders.values().forEach(DestinationSender::start);
        senders.values().forEach(s -> log.info("delivering to {} at {} ({}, events {})", s.name(),
                s.config().redactedUrl(), s.config().signing().mode().label(), describe(s.config().events())));
    }

    /**
     * Whether senders may start attempts now. The first time under a lease (at start, or on taking over from a
     * livehook that stopped), attempts left in flight by whoever delivered before are recorded as of unknown
     * outcome, to be sent again: that holder is gone, or has lost the lease and starts nothing new.
     */
    boolean delivering() {
        long epoch = lock.map(l -> l.epoch(0)).orElse(0L);
        if (epoch < 0) {
            return false;
        }
        synchronized (recovered) {
            if (recovered.get() == epoch) {
                return true;
            }
            try {
                int unknown = store.recoverInFlight();
                if (unknown > 0) {
                    log.warn("{} delivery attempts were in flight when the livehook delivering before stopped; their "
                            + "outcome is unknown and they will be sent again", unknown);
                }
            } catch (SQLException | RuntimeException e) {
                log.warn("cannot read the delivery outbox yet, trying again: {}", e.getMessage());
                return false;
            }
            recovered.set(epoch);
            return true;
        }
    }

    public Optional<DestinationConfig> destination(String name) {
        return Optional.ofNullable(senders.get(name)).map(DestinationSender::config);
    }

    public List<String> destinationNames() {
        return List.copyOf(senders.keySet());
    }

    /**
     * Where one destination stands: its figures from the outbox, and what only its running sender knows, the
     * requests out now and its circuit ({@code closed}, {@code half_open} or {@code open}, with the
     * milliseconds until an open one lets a probe through). A destination no longer configured but still
     * holding deliveries has no sender: {@code configured} false, no circuit.
     */
    public record DestinationSummary(DestinationFigures figures, boolean configured, int inFlight,
            Optional<String> circuit, long msUntilProbe) {
        public String destination() {
            return figures.destination();
        }
    }

    /** Every configured destination in configuration order, then any other the outbox still holds. */
    public List<DestinationSummary> summary() {
        Map<String, DestinationFigures> figures = new LinkedHashMap<>(store.figures());
        List<DestinationSummary> summary = new ArrayList<>();
        for (DestinationSender sender : senders.values()) {
            DestinationFigures f = figures.remove(sender.name());
            Circuit circuit = sender.circuit();
            summary.add(new DestinationSummary(f == null ? DestinationFigures.none(sender.name()) : f, true,
                    sender.inFlight(), Optional.of(circuit.state().label), circuit.msUntilProbe()));
        }
        figures.values().forEach(f -> summary.add(new DestinationSummary(f, false, 0, Optional.empty(), 0)));
        return summary;
    }

    /** Dead deliveries matching the filter go back to pending; returns how many. */
    public int retry(DeliveryFilter filter) throws SQLException {
        int retried = store.retry(filter, clock.millis());
        wakeAll();
        return retried;
    }

    /** New replay deliveries of the filter's events to one destination; returns how many. */
    public int replay(String destination, DeliveryFilter filter) throws SQLException {
        DestinationConfig config = destination(destination).orElseThrow(
                () -> new IllegalArgumentException("no destination named \"" + destination + "\""));
        int created = store.replay(config.name(), config.events()::accepts, filter, clock.millis());
        wakeAll();
        return created;
    }

    void wakeAll() {
        senders.values().forEach(DestinationSender::wake);
    }

    private static String describe(DestinationConfig.Events events) {
        String include = events.include().isEmpty() ? "all" : String.join(",", events.include());
        return events.exclude().isEmpty() ? include : include + " except " + String.join(",", events.exclude());
    }

    /** Lets requests in flight finish within {@code grace}; those cut off read as unknown after a restart. */
    public void close(Duration grace) {
        senders.values().parallelStream().forEach(s -> s.close(grace));
        lock.ifPresent(Leases::close);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
