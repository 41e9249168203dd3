package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.log.DataDirLock;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.EventLog;
import io.livehook.log.FileEventLog;
import io.livehook.log.IncomingEvent;
import io.livehook.log.LoggedEvent;
import io.livehook.log.Origin;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LogCommandTest {
    @TempDir
    Path dataDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    }

    private Path logWithTenEvents() throws Exception {
        Path file = dataDir.resolve(EmbeddedLog.FILE);
        try (EventLog log = new FileEventLog(file)) {
            for (int i = 1; i <= 10; i++) {
                String id = "EV_event" + i + "x";
                log.append(new IncomingEvent(id, "room_started", "r",
                        ("{\"event\":\"room_started\",\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8),
                        Instant.now(), "k", Origin.LIVEKIT));
            }
        }
        return file;
    }

    /** Flips a byte of the third event's body: a checksum that fails where answered events are. */
    private static void damageThirdEvent(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("{\"event\":\"room_started\",\"id\":\"EV_event3x\"}");
        bytes[at + 5] ^= 0x5a;
        Files.write(file, bytes);
    }

    @Test
    void checkSaysIntactDamagedAndWhatToDoWithItsExitCode() throws Exception {
        Path file = logWithTenEvents();
        assertThat(run("log", "check", "--data-dir", dataDir.toString())).isZero();
        assertThat(out.toString()).contains("10 events (positions 1-10)").contains("intact");

        damageThirdEvent(file);
        assertThat(run("log", "check", "--data-dir", dataDir.toString())).isEqualTo(4);
        assertThat(out.toString()).contains("damaged: bytes").contains("damaged in the middle")
                .contains("livehook log salvage").contains("7 intact events of later commits follow");
    }

    @Test
    void salvageWritesALogThatStartsAndKeepsTheOriginalAside() throws Exception {
        Path file = logWithTenEvents();
        damageThirdEvent(file);
        byte[] damaged = Files.readAllBytes(file);

        assertThat(run("log", "salvage", "--data-dir", dataDir.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("salvaged").contains("9 events").contains("the next event gets position 11")
                .contains("1 position(s) lay in the damaged bytes");
        try (var aside = Files.list(dataDir)) {
            Path kept = aside.filter(p -> p.getFileName().toString().startsWith(EmbeddedLog.FILE + ".damaged-"))
                    .findFirst().orElseThrow();
            assertThat(Files.readAllBytes(kept)).isEqualTo(damaged);
        }
        assertThat(run("log", "check", "--data-dir", dataDir.toString())).isZero();
        try (EventLog log = new FileEventLog(file)) {
            assertThat(log.read(0, 0, 100)).extracting(LoggedEvent::offset).hasSize(9).doesNotContain(3L);
        }

        assertThat(run("log", "salvage", "--data-dir", dataDir.toString())).isZero();
        assertThat(out.toString()).contains("nothing to salvage");
    }

    @Test
    void refusesWhileTheDataDirectoryIsInUseOrHasNoLog() throws Exception {
        assertThat(run("log", "check", "--data-dir", dataDir.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no event log file");

        logWithTenEvents();
        try (DataDirLock held = DataDirLock.acquire(dataDir, "testing")) {
            assertThat(run("log", "salvage", "--data-dir", dataDir.toString())).isEqualTo(1);
            assertThat(err.toString()).contains("another livehook process");
        }
    }
}
