package io.livehook.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livehook.Livehook;
import io.livehook.config.ApiKeys;
import io.livehook.config.ConfigLoader;
import io.livehook.config.DestinationConfig.Ordering;
import io.livehook.config.LivehookConfig;
import io.livehook.livekit.WebhookVerifier;
import io.livehook.simulate.DeliveryProfile;
import io.livehook.simulate.DeliveryOutcome;
import io.livehook.simulate.GroundTruth;
import io.livehook.simulate.Simulation;
import io.livehook.simulate.SimulationReport;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryFilter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * The "missing webhooks" support thread, replayed: the same LiveKit Cloud traffic (3 s per attempt, 3
 * attempts, same seed) goes at once to a slow app directly and to a livehook that forwards to an identical
 * app, all on loopback in this process; then what each app received is set side by side.
 */
public final class SupportThreadDemo {
    private static final String DESTINATION = "app";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration NOTICE = Duration.ofSeconds(10);

    /** The traffic and the app, and how livehook delivers to the app ({@code concurrency}, {@code ordering}). */
    public record Scenario(double rate, int rooms, Duration duration, double slowShare, Duration slowFor, long seed,
            Duration drainTimeout, int concurrency, Ordering ordering) {
        public Scenario {
            if (concurrency < 1) {
                throw new IllegalArgumentException("--concurrency must be 1 or more, not " + concurrency);
            }
            if (!(slowShare >= 0 && slowShare <= 1)) {
                throw new IllegalArgumentException("--slow-share must be in [0, 1], not " + slowShare);
            }
            if (slowFor.isNegative() || drainTimeout.isNegative()) {
                throw new IllegalArgumentException("--slow-seconds and --drain-timeout cannot be negative");
            }
        }
    }

    /**
     * One way to the app. {@code liveKit} is the simulated LiveKit's report (its drops, its ACK times);
     * {@code held} counts events livehook still held, not yet received by the app, when the wait for its
     * deliveries ended (0 directly): they are late, not lost.
     */
    public record Route(SimulationReport liveKit, long timedOutAttempts, ToyApp.Counts app, long held,
            Duration drainedAfter) {
        public long lost() {
            return liveKit.generated() - app.received() - held;
        }
    }

    public record Result(Scenario settings, Route direct, Route viaLivehook) {
        public String text() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "support thread: LiveKit Cloud's sender (3 s per attempt, 3 attempts), "
                    + "%.0f events/s for %.0f s, %d rooms open at a time, seed %d%n", settings.rate(),
                    settings.duration().toNanos() / 1e9, settings.rooms(), settings.seed()));
            out.append(String.format(Locale.ROOT, "the app: %.0f%% of requests take %.0f s, the others answer at once%n",
                    settings.slowShare() * 100, settings.slowFor().toNanos() / 1e9));
            out.append(String.format(Locale.ROOT, "livehook delivers to it with concurrency %d, ordering %s%n%n",
                    settings.concurrency(), settings.ordering().label()));
            row(out, "", "LiveKit -> app", "LiveKit -> livehook -> app");
            row(out, "events generated", direct.liveKit().generated(), viaLivehook.liveKit().generated());
            row(out, "received by the app (distinct)", direct.app().received(), viaLivehook.app().received());
            row(out, "lost", direct.lost(), viaLivehook.lost());
            row(out, "duplicates at the app", direct.app().duplicates(), viaLivehook.app().duplicates());
            row(out, "slow answers by the app", direct.app().slowAnswers(), viaLivehook.app().slowAnswers());
            row(out, "LiveKit: attempts timed out", direct.timedOutAttempts(), viaLivehook.timedOutAttempts());
            row(out, "LiveKit: events not delivered", direct.liveKit().lostTotal(), viaLivehook.liveKit().lostTotal());
            for (DeliveryOutcome outcome : DeliveryOutcome.values()) {
                long a = outcome == DeliveryOutcome.DELIVERED ? 0 : direct.liveKit().lost(outcome);
                long b = outcome == DeliveryOutcome.DELIVERED ? 0 : viaLivehook.liveKit().lost(outcome);
                if (a + b > 0) {
                    row(out, "  " + outcome.label(), a, b);
                }
            }
            row(out, "LiveKit: ACK p99 (2xx answers)", millis(direct.liveKit().latency().p99()),
                    millis(viaLivehook.liveKit().latency().p99()));
            row(out, "livehook: held, not yet delivered", "-", Long.toString(viaLivehook.held()));
            row(out, "livehook's own events (inferred ends)", "-", Long.toString(viaLivehook.app().livehookEvents()));
            row(out, "livehook: delivered all after", "-", viaLivehook.held() == 0
                    ? String.format(Locale.ROOT, "%.0f s", viaLivehook.drainedAfter().toNanos() / 1e9) : "not yet");
            out.append(String.format(Locale.ROOT, "%nlost = generated - distinct event ids the app received - events livehook still holds "
                    + "for it.%nAn event LiveKit timed out on may still have reached the app: then it is not lost, and its "
                    + "retries are duplicates.%n"));
            return out.toString();
        }

        public ObjectNode json() {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            ObjectNode s = root.putObject("settings");
            s.put("profile", "cloud").put("rate", settings.rate()).put("rooms", settings.rooms())
                    .put("duration_seconds", settings.duration().toNanos() / 1e9).put("slow_share", settings.slowShare())
                    .put("slow_seconds", settings.slowFor().toNanos() / 1e9).put("seed", settings.seed())
                    .put("concurrency", settings.concurrency()).put("ordering", settings.ordering().label());
            root.set("direct", route(direct));
            root.set("via_livehook", route(viaLivehook));
            return root;
        }

        private static ObjectNode route(Route r) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("generated", r.liveKit().generated()).put("received", r.app().received()).put("lost", r.lost())
                    .put("duplicates", r.app().duplicates()).put("requests", r.app().requests())
                    .put("slow_answers", r.app().slowAnswers()).put("bad_signatures", r.app().badSignatures())
                    .put("timed_out_attempts", r.timedOutAttempts()).put("held_by_livehook", r.held())
                    .put("livehook_events", r.app().livehookEvents())
                    .put("drained_after_seconds", r.drainedAfter().toNanos() / 1e9);
            node.set("livekit", r.liveKit().json());
            return node;
        }

        private static void row(StringBuilder out, String label, Object a, Object b) {
            out.append(String.format(Locale.ROOT, "%-36s %16s %28s%n", label, a, b));
        }

        private static String millis(Duration d) {
            return String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
        }
    }

    private SupportThreadDemo() {}

    /**
     * Runs both routes at once; {@code workDir} receives livehook's configuration and data. While livehook
     * still delivers, {@code waiting} hears every 10 s how many events it has left; {@code sending} follows
     * LiveKit's sender on the route through livehook.
     */
    public static Result run(Scenario settings, Path workDir, Simulation.Progress sending, LongConsumer waiting)
            throws IOException, InterruptedException {
        Clock clock = Clock.systemUTC();
        var verifier = new WebhookVerifier(new ApiKeys(Map.of(ConfigLoader.DEV_KEY, ConfigLoader.DEV_SECRET)),
                Duration.ofSeconds(60), clock);
        ExecutorService runs = Executors.newFixedThreadPool(2);
        try (ToyApp direct = ToyApp.start(settings.slowShare(), settings.slowFor(), settings.seed(), verifier);
                ToyApp behind = ToyApp.start(settings.slowShare(), settings.slowFor(), settings.seed(), verifier);
                Livehook livehook = Livehook.start(config(workDir, behind.url(), settings), clock)) {
            URI webhook = URI.create("http://127.0.0.1:" + livehook.port() + "/webhook");
            Future<Simulation.Result> toApp = runs.submit(() -> Simulation.run(simulation(settings, direct.url()), clock));
            Future<Simulation.Result> toLivehook = runs.submit(() -> Simulation.run(simulation(settings, webhook), clock,
                    new GroundTruth(), sending));
            Simulation.Result viaLivehook = get(toLivehook);
            long began = System.nanoTime();
            awaitDelivered(livehook, viaLivehook.report().delivered(), settings.drainTimeout(), waiting);
            Duration drained = Duration.ofNanos(System.nanoTime() - began);
            long held = livehook.deliveries().store().find(Optional.of(Delivery.PENDING), DeliveryFilter.any(),
                    Integer.MAX_VALUE).stream().filter(d -> !behind.received(d.eventId())).count();
            Simulation.Result straight = get(toApp);
            return new Result(settings,
                    new Route(straight.report(), timedOut(straight), direct.counts(), 0, Duration.ZERO),
                    new Route(viaLivehook.report(), timedOut(viaLivehook), behind.counts(), held, drained));
        } finally {
            runs.shutdownNow();
        }
    }

    /** livehook --dev with the app as its one destination; ports and data are the demo's own. */
    private static LivehookConfig config(Path workDir, URI app, Scenario settings) throws IOException {
        Path yaml = workDir.resolve("livehook.yaml");
        Files.writeString(yaml, """
                server: {host: 127.0.0.1, port: 0}
                storage: {data_dir: "%s"}
                destinations:
                  - name: %s
                    url: %s
                    concurrency: %d
                    ordering: %s
                """.formatted(workDir.resolve("data").toAbsolutePath(), DESTINATION, app, settings.concurrency(),
                settings.ordering().label()), StandardCharsets.UTF_8);
        return new ConfigLoader(Map.of()).load(Optional.of(yaml), true);
    }

    private static Simulation.Traffic simulation(Scenario s, URI url) {
        return new Simulation.Traffic(url, DeliveryProfile.cloud(), s.rate(), s.rooms(), s.duration(), s.seed(),
                ConfigLoader.DEV_KEY, ConfigLoader.DEV_SECRET, 0);
    }

    /** Waits until livehook has settled a delivery for every event it took, for at most {@code timeout}. */
    private static void awaitDelivered(Livehook livehook, long accepted, Duration timeout, LongConsumer waiting)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextNotice = start + NOTICE.toNanos();
        var store = livehook.deliveries().store();
        long left;
        while ((left = accepted - store.count(DESTINATION, Delivery.DELIVERED) - store.count(DESTINATION, Delivery.DEAD)) > 0
                && System.nanoTime() < deadline) {
            if (System.nanoTime() >= nextNotice) {
                waiting.accept(left);
                nextNotice += NOTICE.toNanos();
            }
            Thread.sleep(POLL);
        }
    }

    private static long timedOut(Simulation.Result result) {
        return result.deliveries().stream().flatMap(d -> d.attempts().stream()).filter(a -> a.timedOut()).count();
    }

    private static Simulation.Result get(Future<Simulation.Result> run) throws InterruptedException {
        try {
            return run.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a simulation failed: " + e.getCause(), e.getCause());
        }
    }
}
