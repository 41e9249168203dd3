package io.livehook.simulate;

import io.livehook.livekit.WebhookSigner;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One run: generate {@code rate * duration} events at {@code rate} per second from {@code rooms} open rooms,
 * hand each to a {@link Sender} as LiveKit would (minus the share deliberately lost), then wait for the queues
 * to drain, for at most what LiveKit itself could still spend on them.
 */
public final class Simulation {

    public record Traffic(URI url, DeliveryProfile profile, double rate, int rooms, Duration duration, long seed,
            String apiKey, String apiSecret, double dropRate) {
        public Traffic {
            if (!(rate > 0) || rooms < 1 || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("rate, rooms and duration must be positive");
            }
            if (!(dropRate >= 0 && dropRate < 1)) {
                throw new IllegalArgumentException("drop rate must be in [0, 1), not " + dropRate);
            }
        }

        long events() {
            return Math.max(1, Math.round(rate * duration.toNanos() / 1e9));
        }
    }

    /** The report, what really happened (for a later comparison with livehook's state), and every event's fate. */
    public record Result(SimulationReport report, GroundTruth truth, List<SimulatedDelivery> deliveries) {}

    /** How far a run is, for a progress display; read from any thread while the run works. */
    public static final class Progress {
        private volatile long total;
        private volatile long generated;
        private volatile Sender sender;

        /** Events the run generates in all (0 until it starts). */
        public long total() {
            return total;
        }

        /** Events generated and handed to LiveKit's queues (or deliberately lost) so far. */
        public long generated() {
            return generated;
        }

        /** Events handed over that have no outcome yet: queued, or in flight. */
        public long unsettled() {
            Sender current = sender;
            return current == null ? 0 : current.outstanding();
        }
    }

    private Simulation() {}

    public static Result run(Traffic settings, Clock clock) throws InterruptedException {
        return run(settings, clock, new GroundTruth());
    }

    /** A run that records into {@code truth} as it goes, for a simulated RoomService to answer from. */
    public static Result run(Traffic settings, Clock clock, GroundTruth truth) throws InterruptedException {
        return run(settings, clock, truth, new Progress());
    }

    /** A run that also tells {@code progress} how far it is. */
    public static Result run(Traffic settings, Clock clock, GroundTruth truth, Progress progress)
            throws InterruptedException {
        Instant start = clock.instant();
        TrafficModel model = new TrafficModel(settings.seed(), settings.rooms(), start, settings.rate(), truth);
        // A stream of its own, so that the drop rate does not change the traffic of a seed.
        SplittableRandom loss = new SplittableRandom(~settings.seed());
        long events = settings.events();
        long began = System.nanoTime();
        Duration generation;
        Sender sender = new Sender(settings.url(), settings.profile(),
                new WebhookSigner(settings.apiKey(), settings.apiSecret(), clock));
        progress.total = events;
        progress.sender = sender;
        try (sender) {
            for (long n = 0; n < events; n++) {
                GeneratedEvent event = model.next();
                long wait = began + Math.round(n * 1e9 / settings.rate()) - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
                if (loss.nextDouble() < settings.dropRate()) {
                    sender.lose(event);
                } else {
                    sender.submit(event);
                }
                progress.generated = n + 1;
            }
            generation = Duration.ofNanos(System.nanoTime() - began);
            sender.awaitSettled(drainLimit(settings.profile()));
        }
        List<SimulatedDelivery> deliveries = sender.deliveries();
        Duration total = Duration.ofNanos(System.nanoTime() - began);
        return new Result(SimulationReport.of(settings, events, deliveries, generation, total), model.truth(),
                deliveries);
    }

    /**
     * The longest LiveKit could still work on a queue after the last event: its oldest waiting event may be
     * sent up to the maximum age later, then run its whole retry schedule; plus a margin for the answers.
     */
    static Duration drainLimit(DeliveryProfile profile) {
        Duration limit = profile.maxAge().plusSeconds(10);
        for (int failed = 1; failed < profile.maxAttempts(); failed++) {
            limit = limit.plus(profile.retryWait().delay(failed));
        }
        if (profile.attemptTimeout().isPresent()) {
            limit = limit.plus(profile.attemptTimeout().get().multipliedBy(profile.maxAttempts()));
        }
        return profile.real(limit);
    }
}
