package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.simulate.Simulation;
import io.livehook.testing.LivehookProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    private static final String CLEAR = "\r\u001b[K";

    private final StringWriter written = new StringWriter();
    private final PrintWriter out = new PrintWriter(written);

    @Test
    void saysWhatIsDoneOfHowMuchHowLongItTookAndHowLongTheRestTakes() {
        assertThat(ProgressLine.format("replay", 1234, 20_500, "events", Duration.ofSeconds(3)))
                .isEqualTo("replay: 1,234 / 20,500 events (6%), 3 s, about 47 s left");
        assertThat(ProgressLine.format("replay", 20_500, 20_500, "events", Duration.ofSeconds(65)))
                .isEqualTo("replay: 20,500 / 20,500 events (100%), 1 min 05 s");
        assertThat(ProgressLine.format("simulate", 10, 2000, "events sent", Duration.ofMillis(400)))
                .as("no estimate from less than a second").isEqualTo("simulate: 10 / 2,000 events sent (0%), 0 s");
        assertThat(ProgressLine.format("replay", 0, 0, "events", Duration.ZERO)).isEqualTo("replay: 0 / 0 events, 0 s");
        assertThat(ProgressLine.sending("simulate", new Simulation.Progress(), Duration.ofSeconds(2)))
                .isEqualTo("simulate: 0 / 0 events sent, 2 s");
    }

    @Test
    void writesDurationsForPeople() {
        assertThat(ProgressLine.duration(Duration.ofMillis(7400))).isEqualTo("7 s");
        assertThat(ProgressLine.duration(Duration.ofSeconds(125))).isEqualTo("2 min 05 s");
        assertThat(ProgressLine.duration(Duration.ofMinutes(62))).isEqualTo("1 h 02 min");
    }

    @Test
    void isQuietWhenNotOnATerminal() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        try (ProgressLine line = ProgressLine.start(out, false, Duration.ofMillis(10), elapsed -> {
            asked.incrementAndGet();
            return "working";
        })) {
            Thread.sleep(200);
            line.println("a line of its own");
        }
        assertThat(asked).hasValue(0);
        assertThat(written.toString()).isEqualTo("a line of its own\n");
    }

    @Test
    void onATerminalRedrawsInPlaceKeepsOtherLinesAboveAndErasesItselfAtTheEnd() throws Exception {
        try (ProgressLine line = ProgressLine.start(out, true, Duration.ofMillis(10), elapsed -> "working")) {
            awaitWritten(CLEAR + "working");
            line.println("a line of its own");
        }
        String text = written.toString();
        assertThat(text).startsWith(CLEAR + "working").contains(CLEAR + "a line of its own\nworking").endsWith(CLEAR);
        assertThat(text.replace(CLEAR, "")).doesNotContain("\r");
    }

    @Test
    void stderrIsNoTerminalWhenRedirectedAndIsOneInAPseudoTerminal() throws Exception {
        assertThat(ProgressLine.stderrIsTerminal()).as("the test JVM's stderr goes to Maven").isFalse();
        Path script = Path.of("/usr/bin/script");
        if (!Files.isExecutable(script)) {
            System.out.println("SKIP the pseudo-terminal half of stderrIsNoTerminalWhenRedirected...: no " + script);
            return;
        }
        String probe = String.join(" ", LivehookProcess.javaBinary(), "-cp", System.getProperty("java.class.path"),
                TerminalProbe.class.getName());
        // util-linux's script runs the command with a pseudo-terminal as its stdin, stdout and stderr.
        Process process = new ProcessBuilder(List.of(script.toString(), "-q", "-e", "-c", probe, "/dev/null"))
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).contains("stderr is a terminal: true");
    }

    @Test
    void closingTwiceErasesOnce() throws Exception {
        ProgressLine line = ProgressLine.start(out, true, Duration.ofMillis(10), elapsed -> "almost done");
        awaitWritten("almost done");
        line.close();
        line.close();
        assertThat(written.toString()).endsWith("almost done" + CLEAR);
    }

    private void awaitWritten(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!written.toString().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
