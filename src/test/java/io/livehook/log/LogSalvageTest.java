package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code log check} and {@code log salvage} on files damaged in known ways. */
class LogSalvageTest {
    @TempDir
    Path dir;

    private Path write(LogFileBuilder built) throws Exception {
        Path file = dir.resolve(EmbeddedLog.FILE);
        Files.write(file, built.bytes());
        return file;
    }

    /** Ten events, one commit each, and the one at {@code damaged} with a flipped byte. */
    private static LogFileBuilder tenCommits(long damaged) {
        LogFileBuilder built = new LogFileBuilder();
        for (long p = 1; p <= 10; p++) {
            built.commit(p).event(p);
        }
        return built.damage(damaged);
    }

    @Test
    void checkReportsAnIntactLog() throws Exception {
        LogCheck.Report report = LogCheck.check(write(new LogFileBuilder().commit(2).event(1).event(2)));
        assertThat(report.verdict()).isEqualTo(LogCheck.Verdict.INTACT);
        assertThat(report.events()).isEqualTo(2);
        assertThat(report.damage()).isEmpty();
        assertThat(report.highestPosition()).isEqualTo(2);
    }

    @Test
    void checkTellsDamageInTheMiddleAndWhatFollowsIt() throws Exception {
        LogFileBuilder built = tenCommits(4);
        LogCheck.Report report = LogCheck.check(write(built));
        assertThat(report.verdict()).isEqualTo(LogCheck.Verdict.DAMAGED_IN_THE_MIDDLE);
        assertThat(report.events()).isEqualTo(9);
        assertThat(report.eventsAfterFirstDamage()).isEqualTo(6);
        assertThat(report.damage()).singleElement().satisfies(d -> {
            assertThat(d.offset()).isEqualTo(built.offsetOf(4));
            assertThat(d.lostPositions()).isEqualTo(1);
        });
    }

    @Test
    void checkTellsATornTail() throws Exception {
        LogCheck.Report report = LogCheck.check(write(tenCommits(10)));
        assertThat(report.verdict()).isEqualTo(LogCheck.Verdict.TORN_TAIL);
        assertThat(report.highestPosition()).isEqualTo(10);
    }

    @Test
    void salvageKeepsEveryIntactRecordKeepsTheOriginalAndNeverReusesAPosition() throws Exception {
        Path file = write(tenCommits(4));
        byte[] original = Files.readAllBytes(file);

        LogSalvage.Salvaged salvaged = LogSalvage.salvage(file);
        assertThat(Files.readAllBytes(salvaged.keptAside())).isEqualTo(original);
        assertThat(LogCheck.check(file).verdict()).isEqualTo(LogCheck.Verdict.INTACT);

        try (EventLog log = new FileEventLog(file)) {
            assertThat(log.read(0, 0, 100)).extracting(LoggedEvent::offset)
                    .containsExactly(1L, 2L, 3L, 5L, 6L, 7L, 8L, 9L, 10L);
            assertThat(log.read(0, 4, 1)).extracting(LoggedEvent::eventId).containsExactly("EV_5");
            assertThat(log.append(new IncomingEvent("EV_new", "room_started", "r", new byte[] {'{', '}'},
                    java.time.Instant.now(), "k", Origin.LIVEKIT)).offset()).isEqualTo(11);
        }
    }

    @Test
    void aSalvagedLogStillTellsLaterDamageInTheMiddle() throws Exception {
        LogFileBuilder built = new LogFileBuilder().commit(600);
        for (long p = 1; p <= 600; p++) {
            built.event(p);
        }
        Path file = write(built);
        LogSalvage.salvage(file);
        // Damage among the copied records, with the copy's own commit markers before and after it.
        byte[] bytes = Files.readAllBytes(file);
        bytes[built.offsetOf(100) + 40] ^= 0x5a;
        Files.write(file, bytes);
        assertThat(LogCheck.check(file).verdict()).isEqualTo(LogCheck.Verdict.DAMAGED_IN_THE_MIDDLE);
    }
}
