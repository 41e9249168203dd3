package io.livehook.cli;

import io.livehook.Livehook;
import io.livehook.config.ConfigException;
import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import io.livehook.config.Role;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run livehook: receive LiveKit webhooks and everything after.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "YAML configuration file (environment variables override it).")
    Path config;

    @Option(names = "--dev", description = "Accept LiveKit's dev key pair (devkey/secret) and open the API. Test machines only.")
    boolean dev;

    @Option(names = "--role", split = ",", paramLabel = "ROLE",
            description = "The parts this process runs, of ingest,process,deliver,reconcile (default: all, or "
                    + "LIVEHOOK_ROLES / roles:). Fewer than all need Kafka and PostgreSQL.")
    List<String> roles;

    @Override
    public Integer call() throws InterruptedException {
        LivehookConfig settings;
        try {
            settings = new ConfigLoader(System.getenv()).load(Optional.ofNullable(config), dev);
            if (roles != null) {
                settings = settings.withRoles(Role.parse(String.join(",", roles), "--role"));
            }
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
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            livehook.close();
            exit.complete(0);
        }, "livehook-shutdown"));
        // A process that cannot listen is no use: exit non-zero, so that a supervisor starts a fresh one.
        livehook.listenerLost().thenAccept(why -> {
            System.err.println("livehook: " + why);
            livehook.close();
            exit.complete(1);
        });
        try {
            return exit.get();
        } catch (ExecutionException e) {
            return 1;
        }
    }
}
