package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo's option errors; the demo itself is run by SupportThreadDemoTest. */
class DemoCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void withoutADemoNameListsTheDemos() {
        assertThat(run("demo")).isEqualTo(2);
        assertThat(err.toString()).contains("support-thread");
    }

    @Test
    void refusesBadSettingsBeforeStartingAnything() {
        assertThat(run("demo", "support-thread", "--slow-share", "1.5")).isEqualTo(2);
        assertThat(err.toString()).contains("--slow-share must be in [0, 1]");
        assertThat(run("demo", "support-thread", "--rate", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--rate, --rooms and --duration must be positive");
        assertThat(run("demo", "support-thread", "--drain-timeout", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("cannot be negative");
        assertThat(run("demo", "support-thread", "--ordering", "fifo")).isEqualTo(2);
        assertThat(err.toString()).contains("--ordering must be room or none, not fifo");
        assertThat(run("demo", "support-thread", "--concurrency", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--concurrency must be 1 or more");
        assertThat(out.toString()).doesNotContain("running for");
    }

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
