package io.livehook.cli;

import io.livehook.BuildInfo;
import io.livehook.config.ConfigException;
import io.livehook.config.LogSettings;
import io.livehook.ingest.HelidonLogs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/** The {@code livehook} command line; {@code serve} runs the service, {@code simulate} plays LiveKit against it. */
@Command(name = "livehook",
        // Every command and subcommand inherits --help and --version.
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Makes LiveKit webhooks reliable: verify, log durably, process, deliver, reconcile.",
        subcommands = {ServeCommand.class, ReplayCommand.class, LogCommand.class, DeliveriesCommand.class,
                ReconcileCommand.class, StreamCommand.class, SimulateCommand.class, DemoCommand.class,
                ProbeCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        // Before anything logs: a typo in the log settings would otherwise switch logging off or flood it.
        try {
            LogSettings.fromEnv(System.getenv()).applyToLogback();
        } catch (ConfigException e) {
            System.err.println("livehook: " + e.getMessage());
            System.exit(2);
        }
        HelidonLogs.install();
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    /** {@code --version}: what Maven wrote into the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.current().describe()};
        }
    }
}
