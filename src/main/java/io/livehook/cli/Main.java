package io.livehook.cli;

import io.livehook.ingest.HelidonLogs;
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
        HelidonLogs.install();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }
}
