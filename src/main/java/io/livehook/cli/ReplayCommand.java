package io.livehook.cli;

import io.livehook.Livehook;
import io.livehook.config.ConfigException;
import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import io.livehook.log.DataDirLock;
import io.livehook.log.EventLog;
import io.livehook.process.Replay;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "replay", description = "Rebuild all state from the raw event log (stop the service first).")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "YAML configuration file (environment variables override it).")
    Path config;

    @Option(names = "--timeout", description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).",
            defaultValue = "3600")
    long timeoutSeconds;

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
            long applied = Replay.rebuild(eventLog, storage.state(), 4, Clock.systemUTC(),
                    Duration.ofSeconds(timeoutSeconds));
            System.out.printf("replayed %d events into %s in %.1f s%n", applied, storage.state(),
                    (System.nanoTime() - started) / 1e9);
            return 0;
        } catch (IllegalStateException e) {
            System.err.println("livehook: " + e.getMessage());
            return 1;
        }
    }
}
