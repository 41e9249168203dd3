package io.livehook.cli;

import io.livehook.config.ConfigLoader;
import io.livehook.simulate.DeliveryProfile;
import io.livehook.simulate.GroundTruth;
import io.livehook.simulate.RoomServiceServer;
import io.livehook.simulate.Simulation;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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
        Simulation.Settings settings;
        try {
            settings = new Simulation.Settings(target(url), DeliveryProfile.named(profile), rate, rooms,
                    Duration.ofNanos(Math.round(duration * 1e9)), seed != null ? seed : System.nanoTime(),
                    credential(apiKey, "LIVEKIT_API_KEY", ConfigLoader.DEV_KEY),
                    credential(apiSecret, "LIVEKIT_API_SECRET", ConfigLoader.DEV_SECRET), dropRate);
        } catch (IllegalArgumentException e) {
            err.println("livehook simulate: " + e.getMessage());
            return 2;
        }
        GroundTruth truth = new GroundTruth();
        Simulation.Result result;
        if (roomServicePort == null) {
            result = Simulation.run(settings, Clock.systemUTC(), truth);
            out.print(result.report().text());
            out.flush();
        } else {
            RoomServiceServer roomService;
            try {
                roomService = RoomServiceServer.start(truth, "127.0.0.1", roomServicePort, settings.apiKey(),
                        settings.apiSecret());
            } catch (IllegalStateException e) {
                err.println("livehook simulate: " + e.getMessage());
                return 1;
            }
            try (roomService) {
                out.println("room service: LIVEKIT_URL=" + roomService.url());
                out.flush();
                result = Simulation.run(settings, Clock.systemUTC(), truth);
                out.print(result.report().text());
                out.printf("room service answers for %.0f s more (Ctrl-C to stop)%n", roomServiceLinger);
                out.flush();
                Thread.sleep(Duration.ofMillis(Math.round(roomServiceLinger * 1000)));
            }
        }
        if (json != null) {
            try {
                Files.writeString(json, result.report().json(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("livehook simulate: cannot write " + json + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    private String credential(String option, String variable, String dev) {
        if (option != null && !option.isBlank()) {
            return option;
        }
        String fromEnv = env.get(variable);
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv.strip() : dev;
    }

    private static URI target(String text) {
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("--url must be an http(s) URL, not \"" + text + "\"");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url is not a URL: " + e.getMessage(), e);
        }
    }
}
