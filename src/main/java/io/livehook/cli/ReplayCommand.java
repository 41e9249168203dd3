package io.livehook.cli;

import io.livehook.Livehook;
import io.livehook.config.ConfigException;
import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import io.livehook.log.DataDirLock;
import io.livehook.log.EventLog;
import io.livehook.process.Processor;
import io.livehook.process.Replay;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replay", description = "Rebuild all state from the raw event log (stop the service first).")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "YAML configuration file (environment variables override it).")
    Path config;

    @Option(names = "--timeout", description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).",
            defaultValue = "3600")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LivehookConfig settings;
        try {
            settings = new ConfigLoader(System.getenv()).load(Optional.ofNullable(config), true);
        } catch (ConfigException e) {
            System.err.println("livehook: " + e.getMessage());
            return 2;
        }
        var storage = settings.storage();
        try (DataDirLock lock = DataDirLock.acquire(storage.dataDir(), "replaying");
                EventLog eventLog = Livehook.openEventLog(settings)) {
            long started = System.nanoTime();
            long applied;
            AtomicReference<Processor> processor = new AtomicReference<>();
            try (ProgressLine line = ProgressLine.onTerminal(spec.commandLine().getErr(),
                    elapsed -> progress(eventLog, processor.get(), elapsed))) {
                applied = Replay.rebuild(eventLog, storage.state(), 4, Clock.systemUTC(),
                        Duration.ofSeconds(timeoutSeconds), new Replay.Watcher() {
                            @Override
                            public void started(Processor started) {
                                processor.set(started);
                            }

                            @Override
                            public void caughtUp() {
                                line.close(); // before replay logs its last steps
                            }
                        });
            }
            spec.commandLine().getOut().printf("replayed %d events into %s in %.1f s%n", applied, storage.state(),
                    (System.nanoTime() - started) / 1e9);
            return 0;
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("livehook: " + e.getMessage());
            return 1;
        }
    }

    /** Events applied to the new state, of all the log holds (nothing appends: the service is stopped). */
    private static String progress(EventLog eventLog, Processor processor, Duration elapsed) {
        long applied = 0;
        long total = 0;
        for (int p = 0; p < eventLog.partitions(); p++) {
            total += eventLog.head(p);
            applied += processor == null ? 0 : processor.appliedUpTo(p);
        }
        return ProgressLine.format("replay", applied, total, "events", elapsed);
    }
}
