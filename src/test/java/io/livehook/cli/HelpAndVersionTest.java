package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.BuildInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand, those added later included, answers --help and --version. */
class HelpAndVersionTest {

    @Test
    void everyCommandAnswersHelpWithItsUsage() {
        List<List<String>> paths = commandPaths();
        assertThat(paths).extracting(path -> String.join(" ", path))
                .contains("serve", "replay", "simulate", "demo", "demo support-thread", "deliveries list", "reconcile");
        for (List<String> path : paths) {
            Output output = run(path, "--help");
            assertThat(output.exit()).as("%s --help: %s", path, output.err()).isZero();
            assertThat(output.out()).as("%s --help", path).startsWith("Usage: livehook " + String.join(" ", path))
                    .contains("-h, --help", "-V, --version");
        }
    }

    @Test
    void everyCommandAnswersVersionWithTheBuild() {
        String expected = BuildInfo.current().describe();
        assertThat(run(List.of(), "--version").out().strip()).isEqualTo(expected);
        for (List<String> path : commandPaths()) {
            Output output = run(path, "--version");
            assertThat(output.exit()).as("%s --version: %s", path, output.err()).isZero();
            assertThat(output.out().strip()).as("%s --version", path).isEqualTo(expected);
        }
    }

    private record Output(int exit, String out, String err) {}

    private static Output run(List<String> path, String option) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(path);
        args.add(option);
        return new Output(cli.execute(args.toArray(String[]::new)), out.toString(), err.toString());
    }

    /** The name path of every command below the root, e.g. [deliveries, list]; picocli's own help command aside. */
    private static List<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), List.of(), paths);
        return paths;
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        command.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandSpec().helpCommand() || !sub.getCommandName().equals(name)) {
                return; // picocli's "help", and aliases of a command already listed
            }
            List<String> subPath = new ArrayList<>(path);
            subPath.add(name);
            paths.add(subPath);
            collect(sub, subPath, paths);
        });
    }
}
