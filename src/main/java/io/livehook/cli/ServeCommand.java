package io.livehook.cli;

import io.livehook.Livehook;
import io.livehook.config.ConfigException;
import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run livehook: receive LiveKit webhooks and everything after.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "YAML configuration file (environment variables override it).")
    Path config;

    @Option(names = "--dev", description = "Accept LiveKit's dev key pair (devkey/secret) and open the API. Test machines only.")
    boolean dev;

    @Override
    public Integer call() throws InterruptedException {
        LivehookConfig settings;
        try {
            settings = new ConfigLoader(System.getenv()).load(Optional.ofNullable(config), dev);
        } catch (ConfigException e) {
            System.err.println("livehook: " + e.getMessage());
            return 2;
        }
        Livehook livehook;
        try {
            livehook = Livehook.start(settings, Clock.systemUTC());
        } catch (IllegalStateException e) {
            System.err.println("livehook: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            livehook.close();
            stopped.countDown();
        }, "livehook-shutdown"));
        stopped.await();
        return 0;
    }
}
