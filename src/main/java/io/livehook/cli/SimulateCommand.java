package io.livehook.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livehook.client.LivehookApiException;
import io.livehook.client.LivehookClient;
import io.livehook.config.ConfigLoader;
import io.livehook.simulate.DeliveryProfile;
import io.livehook.simulate.GroundTruth;
import io.livehook.simulate.LivehookState;
import io.livehook.simulate.RoomServiceServer;
import io.livehook.simulate.Simulation;
import io.livehook.simulate.StateCheck;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "simulate",
        description = "Play LiveKit's webhook sender against a URL: rooms, participants, tracks and egresses, "
                + "delivered with LiveKit's queues, retries and drops; then report what arrived.")
final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080/webhook", description = "Webhook URL (default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--profile", defaultValue = "oss",
            description = "oss: livekit-server's sender (5 attempts, no timeout); cloud: LiveKit Cloud's (3 s per attempt, 3 attempts). Default ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--rate", defaultValue = "100", description = "Events per second to generate (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--rooms", defaultValue = "50", description = "Rooms open at any time (default ${DEFAULT-VALUE}).")
    int rooms;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds of traffic (default ${DEFAULT-VALUE}); queues then drain.")
    double duration;

    @Option(names = "--seed", description = "Seed of the traffic (default: random, printed in the report). Event ids depend on it: "
            + "a seed replayed against the same receiver yields duplicates.")
    Long seed;

    @Option(names = "--api-key", description = "Key to sign with (default: $LIVEKIT_API_KEY, else devkey).")
    String apiKey;

    @Option(names = "--api-secret", description = "Secret to sign with (default: $LIVEKIT_API_SECRET, else secret).")
    String apiSecret;

    @Option(names = "--drop-rate", defaultValue = "0", description = "Share of events never sent, as LiveKit loses some (e.g. 0.05).")
    double dropRate;

    @Option(names = "--json", description = "Also write the report as JSON to this file.")
    Path json;

    @Option(names = "--room-service-port", description = "Also answer LiveKit's RoomService (ListRooms, ListParticipants) "
            + "on 127.0.0.1 at this port, from the simulated rooms as they are; point livehook's LIVEKIT_URL at it.")
    Integer roomServicePort;

    @Option(names = "--room-service-linger", defaultValue = "60",
            description = "Seconds the room service keeps answering after the traffic ends, for livehook's next "
                    + "reconciliation (default ${DEFAULT-VALUE}).")
    double roomServiceLinger;

    @Option(names = "--verify", description = "The target is livehook: after the run, wait for it to process everything, "
            + "then compare its rooms, sessions and tracks (through its query API) with what really happened. "
            + "Exit code 3 when they differ.")
    boolean verify;

    /** livehook's API for --verify; without --api-url or $LIVEHOOK_API_URL, the scheme, host and port of --url. */
    @Mixin
    ApiOptions apiOptions;

    @Option(names = "--verify-timeout", defaultValue = "120",
            description = "Seconds --verify waits for livehook to finish processing before comparing (default ${DEFAULT-VALUE}).")
    double verifyTimeout;

    private final Map<String, String> env;

    SimulateCommand() {
        this(System.getenv());
    }

    SimulateCommand(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Simulation.Traffic settings;
        LivehookClient api = null;
        try {
            settings = new Simulation.Traffic(target("--url", url), DeliveryProfile.named(profile), rate, rooms,
                    Duration.ofNanos(Math.round(duration * 1e9)), seed != null ? seed : System.nanoTime(),
                    credential(apiKey, "LIVEKIT_API_KEY", ConfigLoader.DEV_KEY),
                    credential(apiSecret, "LIVEKIT_API_SECRET", ConfigLoader.DEV_SECRET), dropRate);
            if (verify) {
                if (!(verifyTimeout > 0)) {
                    throw new IllegalArgumentException("--verify-timeout must be positive, not " + verifyTimeout);
                }
                URI webhook = settings.url();
                api = apiOptions.client(env, () -> origin(webhook));
            }
        } catch (IllegalArgumentException e) {
            err.println("livehook simulate: " + e.getMessage());
            return 2;
        }
        GroundTruth truth = new GroundTruth();
        Simulation.Result result;
        RoomServiceServer roomService = null;
        if (roomServicePort != null) {
            try {
                roomService = RoomServiceServer.start(truth, "127.0.0.1", roomServicePort, settings.apiKey(),
                        settings.apiSecret());
            } catch (IllegalStateException e) {
                err.println("livehook simulate: " + e.getMessage());
                return 1;
            }
            out.println("room service: LIVEKIT_URL=" + roomService.url());
            out.flush();
        }
        ObjectNode report;
        int exit = 0;
        try {
            Simulation.Progress progress = new Simulation.Progress();
            try (ProgressLine line = ProgressLine.onTerminal(err, elapsed -> ProgressLine.sending("simulate", progress,
                    elapsed))) {
                result = Simulation.run(settings, Clock.systemUTC(), truth, progress);
            }
            out.print(result.report().text());
            out.flush();
            report = result.report().json();
            if (roomService != null) {
                // Before --verify compares, livehook's reconciliation gets its passes against the finished rooms.
                out.printf("room service answers for %.0f s more%s%n", roomServiceLinger,
                        api != null ? ", then --verify compares" : " (Ctrl-C to stop)");
                out.flush();
                Thread.sleep(Duration.ofMillis(Math.round(roomServiceLinger * 1000)));
            }
            if (api != null) {
                try {
                    exit = verify(api, result, report, out);
                } catch (LivehookApiException e) {
                    err.println("livehook simulate: --verify: " + e.getMessage());
                    exit = 1;
                }
            }
        } finally {
            if (roomService != null) {
                roomService.close();
            }
        }
        if (json != null) {
            try {
                Files.writeString(json, report.toPrettyString() + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("livehook simulate: cannot write " + json + ": " + e.getMessage());
                return 1;
            }
        }
        return exit;
    }

    /** Compares livehook's state with the run's truth once livehook is done; 3 when they differ. */
    private int verify(LivehookClient api, Simulation.Result result, ObjectNode report, PrintWriter out)
            throws LivehookApiException, InterruptedException {
        LivehookClient.Settling settling = api.awaitProcessed(Duration.ofNanos(Math.round(verifyTimeout * 1e9)));
        Set<String> lossy = StateCheck.roomsWithLosses(result.truth(), result.deliveries());
        StateCheck.Result check = StateCheck.compare(result.truth(), LivehookState.read(api, result.truth()), lossy);
        out.print(settling.settled()
                ? String.format(Locale.ROOT, "livehook settled   after %.1f s%n", settling.waited().toNanos() / 1e9)
                : String.format(Locale.ROOT, "livehook settled   NO: processing lag still %d after %.1f s; compared anyway%n",
                        settling.lag(), settling.waited().toNanos() / 1e9));
        out.printf(Locale.ROOT, "lost on the way    %9d events in %d rooms (see not delivered): their rooms may differ%n",
                result.report().lostTotal(), lossy.size());
        out.print(check.text());
        out.flush();
        ObjectNode node = check.json();
        node.put("api_url", api.base().toString()).put("settled", settling.settled())
                .put("settle_seconds", settling.waited().toNanos() / 1e9).put("lag_at_compare", settling.lag())
                .put("events_lost_on_the_way", result.report().lostTotal()).put("rooms_that_lost_events", lossy.size());
        report.set("verify", node);
        return check.total() == 0 ? 0 : 3;
    }

    /** livehook's API lives beside its webhook path: the same scheme, host and port. */
    private static URI origin(URI webhook) {
        return URI.create(webhook.getScheme() + "://" + webhook.getRawAuthority());
    }

    private String credential(String option, String variable, String dev) {
        if (option != null && !option.isBlank()) {
            return option;
        }
        String fromEnv = env.get(variable);
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv.strip() : dev;
    }

    private static URI target(String option, String text) {
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException(option + " must be an http(s) URL, not \"" + text + "\"");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(option + " is not a URL: " + e.getMessage(), e);
        }
    }
}
