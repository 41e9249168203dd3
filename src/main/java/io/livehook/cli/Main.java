package io.livehook.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code livehook} command line; {@code serve} runs the service, {@code simulate} plays LiveKit against it. */
@Command(name = "livehook",
        mixinStandardHelpOptions = true,
        version = "livehook 0.1.0",
        description = "Makes LiveKit webhooks reliable: verify, log durably, process, deliver, reconcile.",
        subcommands = {ServeCommand.class, ReplayCommand.class, LogCommand.class, DeliveriesCommand.class, ReconcileCommand.class,
                SimulateCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }
}
