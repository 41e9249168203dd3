package io.livehook.cli;

import io.livehook.config.DestinationConfig.Ordering;
import io.livehook.demo.SupportThreadDemo;
import io.livehook.simulate.Simulation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", description = "Demonstrations that run on loopback with nothing else to start.",
        subcommands = DemoCommand.SupportThread.class)
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    @Command(name = "support-thread",
            description = "LiveKit Cloud's sender against an app whose handler is sometimes slow, directly and "
                    + "through livehook, side by side: how many events the app received in each case.")
    static final class SupportThread implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--rate", defaultValue = "80", description = "Events per second (default ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--rooms", defaultValue = "4", description = "Rooms open at a time (default ${DEFAULT-VALUE}).")
        int rooms;

        @Option(names = "--duration", defaultValue = "15", description = "Seconds of traffic (default ${DEFAULT-VALUE}).")
        double duration;

        @Option(names = "--slow-share", defaultValue = "0.08",
                description = "Share of requests the app answers slowly (default ${DEFAULT-VALUE}).")
        double slowShare;

        @Option(names = "--slow-seconds", defaultValue = "10",
                description = "How long a slow answer takes (default ${DEFAULT-VALUE}).")
        double slowSeconds;

        @Option(names = "--seed", defaultValue = "7", description = "Seed of the traffic (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--drain-timeout", defaultValue = "180",
                description = "Seconds to wait for livehook to deliver everything to the app (default ${DEFAULT-VALUE}).")
        double drainTimeout;

        @Option(names = "--concurrency", defaultValue = "64",
                description = "livehook's requests to the app in flight at once (default ${DEFAULT-VALUE}).")
        int concurrency;

        @Option(names = "--ordering", defaultValue = "room",
                description = "livehook's ordering of deliveries to the app: room or none (default ${DEFAULT-VALUE}).")
        String ordering;

        @Option(names = "--json", description = "Also write the result as JSON to this file.")
        Path json;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            SupportThreadDemo.Scenario settings;
            try {
                if (!(rate > 0) || rooms < 1 || !(duration > 0)) {
                    throw new IllegalArgumentException("--rate, --rooms and --duration must be positive");
                }
                settings = new SupportThreadDemo.Scenario(rate, rooms, seconds(duration), slowShare,
                        seconds(slowSeconds), seed, seconds(drainTimeout), concurrency, ordering(ordering));
            } catch (IllegalArgumentException e) {
                err.println("livehook demo support-thread: " + e.getMessage());
                return 2;
            }
            out.println("running for about " + Math.round(duration + Math.max(60, drainTimeout))
                    + " s at most: LiveKit -> app and LiveKit -> livehook -> app at once ...");
            out.flush();
            SupportThreadDemo.Result result;
            Path work = null;
            Simulation.Progress sending = new Simulation.Progress();
            try (ProgressLine line = ProgressLine.onTerminal(err, elapsed -> ProgressLine.sending("demo", sending,
                    elapsed))) {
                work = Files.createTempDirectory("livehook-demo-");
                result = SupportThreadDemo.run(settings, work, sending, left -> line.println(
                        "livehook is still delivering to the app: " + left + " events to go ..."));
                out.print(result.text());
                out.flush();
                if (json != null) {
                    Files.writeString(json, result.json().toPrettyString() + "\n", StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                err.println("livehook demo support-thread: " + e.getMessage());
                return 1;
            } finally {
                deleteQuietly(work);
            }
            return 0;
        }

        private static Ordering ordering(String label) {
            return Ordering.named(label).orElseThrow(
                    () -> new IllegalArgumentException("--ordering must be room or none, not " + label));
        }

        private static Duration seconds(double s) {
            return Duration.ofNanos(Math.round(s * 1e9));
        }

        private static void deleteQuietly(Path dir) {
            if (dir == null) {
                return;
            }
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // A leftover temporary directory is harmless.
            }
        }
    }
}
