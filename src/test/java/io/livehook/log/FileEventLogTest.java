package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The file log: the contract, and what a crash or a foreign file leaves behind. */
class FileEventLogTest extends EventLogContract {
    @Override
    Path fileIn(Path dir) {
        return dir.resolve(EmbeddedLog.FILE);
    }

    @Override
    EventLog open(Path file) {
        return new FileEventLog(file);
    }

    @Override
    EventLog openCapped(Path file, int kib) {
        return new FileEventLog(file, 64, kib * 1024L);
    }

    private static IncomingEvent incoming(String id, Instant receivedAt) {
        String body = "{\"event\":\"room_started\",\"id\":\"" + id + "\"}";
        return new IncomingEvent(id, "room_started", "room-1", body.getBytes(StandardCharsets.UTF_8), receivedAt, "k",
                Origin.LIVEKIT);
    }

    private static IncomingEvent incoming(String id) {
        return incoming(id, Instant.now());
    }

    private List<Path> tornFiles() throws IOException {
        try (Stream<Path> files = Files.list(file.getParent())) {
            return files.filter(p -> p.getFileName().toString().startsWith(EmbeddedLog.FILE + ".torn-")).toList();
        }
    }

    @Test
    void aRecordCutShortByACrashIsMovedAsideAndTheLogGoesOnAfterTheLastWholeOne() throws Exception {
        for (int i = 1; i <= 3; i++) {
            log.append(incoming("EV_" + i));
        }
        log.close();
        long whole = Files.size(file);
        // What a crash mid-write leaves: the first bytes of a fourth record, never synced, never answered.
        byte[] fourth = Arrays.copyOf(Files.readAllBytes(file), (int) whole);
        byte[] cut = Arrays.copyOfRange(fourth, (int) whole - 40, (int) whole - 10);
        Files.write(file, cut, StandardOpenOption.APPEND);

        log = open(file);
        assertThat(log.head(0)).isEqualTo(3);
        assertThat(log.read(0, 0, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_1", "EV_2", "EV_3");
        assertThat(Files.size(file)).isEqualTo(whole);
        assertThat(tornFiles()).singleElement().satisfies(torn -> assertThat(Files.readAllBytes(torn)).isEqualTo(cut));

        assertThat(log.append(incoming("EV_4")).offset()).isEqualTo(4);
        log.close();
        log = open(file);
        assertThat(log.read(0, 0, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_1", "EV_2", "EV_3", "EV_4");
        assertThat(tornFiles()).hasSize(1);
    }

    @Test
    void aRecordWhoseChecksumFailsEndsTheLogThereAndNothingAfterItIsLost() throws Exception {
        for (int i = 1; i <= 3; i++) {
            log.append(incoming("EV_" + i));
        }
        log.close();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x5a; // inside the last record's body
        Files.write(file, bytes);

        log = open(file);
        assertThat(log.read(0, 0, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_1", "EV_2");
        // The damaged record is kept aside, byte for byte, for a person to look at.
        assertThat(tornFiles()).singleElement().satisfies(torn -> assertThat(new String(Files.readAllBytes(torn),
                StandardCharsets.ISO_8859_1)).endsWith(new String(Arrays.copyOfRange(bytes, bytes.length - 20, bytes.length),
                StandardCharsets.ISO_8859_1)));
    }

    @Test
    void aFileThatIsNotAnEventLogIsRefusedNotOverwritten() throws Exception {
        log.close();
        Path foreign = dir.resolve("foreign").resolve(EmbeddedLog.FILE);
        Files.createDirectories(foreign.getParent());
        Files.writeString(foreign, "SQLite format 3\0 and more");
        assertThatThrownBy(() -> open(foreign)).hasMessageContaining("not a livehook event log");
        assertThat(Files.readString(foreign)).startsWith("SQLite format 3");
        log = open(file);
    }

    @Test
    void readsStartAnywhereAcrossTheSparseIndex() throws Exception {
        int n = 300;
        for (int i = 1; i <= n; i++) {
            log.append(incoming("EV_" + i));
            if (i % 50 == 0) {
                log.append(incoming("EV_" + i)); // duplicate markers between events must be skipped by reads
                log.quarantine(new byte[] {'x'}, Instant.now(), "k", "not json");
            }
        }
        for (long after = 0; after < n; after++) {
            List<LoggedEvent> events = log.read(0, after, 3);
            assertThat(events).extracting(LoggedEvent::offset)
                    .as("after %d", after)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(after + 1, Math.min(after + 3, n))
                            .boxed().toList());
            assertThat(events.get(0).eventId()).isEqualTo("EV_" + (after + 1));
        }
        assertThat(log.read(0, 49, 1).get(0).duplicates()).isEqualTo(1);
        assertThat(log.read(0, 48, 1).get(0).duplicates()).isZero();
        assertThat(log.quarantined(100)).hasSize(n / 50);
    }

    @Test
    void duplicateCountsAndQuarantineSurviveARestart() throws Exception {
        log.append(incoming("EV_d"));
        log.append(incoming("EV_d"));
        log.append(incoming("EV_d"));
        log.quarantine("nope".getBytes(StandardCharsets.UTF_8), Instant.now(), "k", "not json");
        log.close();

        log = open(file);
        assertThat(log.read(0, 0, 10)).singleElement().satisfies(e -> assertThat(e.duplicates()).isEqualTo(2));
        assertThat(log.quarantined(10)).singleElement().satisfies(q -> assertThat(q.reason()).isEqualTo("not json"));
        assertThat(log.append(incoming("EV_d"))).isEqualTo(new Appended(0, 1, true));
    }

    @Test
    void anIdIsRememberedForDuplicatesOnlyWhileLiveKitCouldStillRetryIt() throws Exception {
        Instant longAgo = Instant.now().minus(Duration.ofDays(2));
        log.append(incoming("EV_old", longAgo));
        assertThat(log.append(incoming("EV_old", longAgo)).duplicate()).isTrue();
        for (int i = 0; i < 200; i++) {
            log.append(incoming("EV_new" + i));
        }
        log.close();

        log = open(file);
        // Days after it was sent, LiveKit has long stopped retrying: an id that old is stored again (processing,
        // which dedupes by event id over all of history, applies it once). Recent ones are still known.
        assertThat(log.append(incoming("EV_new0")).duplicate()).isTrue();
        assertThat(log.append(incoming("EV_new199")).duplicate()).isTrue();
        assertThat(log.append(incoming("EV_old")).duplicate()).isFalse();
        assertThat(log.head(0)).isEqualTo(202);
    }

    @Test
    void embeddedLogIsTheFileLogOfTheDataDirectory() throws Exception {
        Path fresh = dir.resolve("fresh");
        try (EventLog opened = EmbeddedLog.open(fresh)) {
            assertThat(opened).isInstanceOf(FileEventLog.class);
        }
        assertThat(fresh.resolve(EmbeddedLog.FILE)).exists();
    }

    /** The offset of the record holding {@code position}, read from the file as it is. */
    private long offsetOf(long position) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ)) {
            LogFile.Reader reader = new LogFile.Reader(channel, channel.size());
            for (long offset = LogFile.HEADER_BYTES; offset < channel.size(); ) {
                LogFile.Entry entry = reader.read(offset, 0);
                if (entry.kind() == LogFile.EVENT && entry.position() == position) {
                    return offset;
                }
                offset += entry.size();
            }
        }
        throw new AssertionError("no event at position " + position);
    }

    @Test
    void damageWhereAnsweredEventsWereStopsTheStartWithWhatToDoAndChangesNothing() throws Exception {
        for (int i = 1; i <= 10; i++) {
            log.append(incoming("EV_" + i));
        }
        log.close();
        long damaged = offsetOf(3);
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) damaged + 30] ^= 0x5a;
        Files.write(file, bytes);

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(LogDamagedException.class)
                .hasMessageContaining(file.toAbsolutePath().toString())
                .hasMessageContaining("byte " + damaged)
                .hasMessageContaining("livehook log check")
                .hasMessageContaining("livehook log salvage");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
        assertThat(tornFiles()).isEmpty();
        log = new FileEventLog(dir.resolve("other").resolve(EmbeddedLog.FILE));
    }

    @Test
    void aTornLastCommitIsMovedAsideEvenWhenSomeOfItsLaterRecordsSurvived() throws Exception {
        log.close();
        // A crash can leave a commit's pages on disk in any order: the fourth record whole, the third not.
        LogFileBuilder built = new LogFileBuilder().commit(1).event(1).commit(4).event(2).event(3).event(4).damage(3);
        Files.write(file, built.bytes());

        log = open(file);
        assertThat(log.read(0, 0, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_1", "EV_2");
        assertThat(Files.size(file)).isEqualTo(built.offsetOf(3));
        assertThat(tornFiles()).hasSize(1);
        // Positions 3 and 4 were handed out (never answered, but never again either).
        assertThat(log.append(incoming("EV_new")).offset()).isEqualTo(5);
    }

    @Test
    void aFileFromBeforeCommitMarkersTakesAnyIntactRecordAfterDamageForALaterCommit() throws Exception {
        log.close();
        Files.write(file, new LogFileBuilder().event(1).event(2).event(3).damage(2).bytes());
        assertThatThrownBy(() -> open(file)).isInstanceOf(LogDamagedException.class);
        log = new FileEventLog(dir.resolve("other").resolve(EmbeddedLog.FILE));
    }

    @Test
    void positionsAreNeverReusedEvenWhenTheLastAnsweredCommitIsLost() throws Exception {
        for (int i = 1; i <= 5; i++) {
            log.append(incoming("EV_" + i));
        }
        log.close();
        // Bit rot in the newest commit looks like a torn tail: its event is moved aside, its position is not reused.
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x5a;
        Files.write(file, bytes);

        log = open(file);
        assertThat(log.head(0)).isEqualTo(4);
        assertThat(log.append(incoming("EV_6")).offset()).isEqualTo(6);
        assertThat(log.read(0, 4, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_6");
        assertThat(log.read(0, 0, 10)).extracting(LoggedEvent::offset).containsExactly(1L, 2L, 3L, 4L, 6L);
    }

    @Test
    void aFullDiskMakesTheLogUnhealthyUntilAWriteWorksAgain() throws Exception {
        log.close();
        log = openCapped(fileIn(dir.resolve("small")), 4);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WritableGauge.register(registry, log);
        assertThat(log.writeProblem()).isEmpty();
        assertThat(registry.get("livehook.log.writable").gauge().value()).isEqualTo(1.0);
        assertThatThrownBy(() -> log.append(new IncomingEvent("EV_big", "room_started", "r", new byte[64 * 1024],
                Instant.now(), "k", Origin.LIVEKIT))).isInstanceOf(LogUnavailableException.class);
        assertThat(log.writeProblem()).hasValueSatisfying(p -> assertThat(p).contains("no space left"));
        assertThat(registry.get("livehook.log.writable").gauge().value()).isEqualTo(0.0);
        // Nothing else arrives; the log tries a small write by itself and is healthy again.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (log.writeProblem().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(log.writeProblem()).isEmpty();
        assertThat(registry.get("livehook.log.writable").gauge().value()).isEqualTo(1.0);
        assertThat(log.append(incoming("EV_small")).duplicate()).isFalse();
    }

    @Test
    void aNewDataDirectoryAndItsLogAreCreated() throws Exception {
        Path nested = dir.resolve("a").resolve("b").resolve(EmbeddedLog.FILE);
        try (EventLog created = new FileEventLog(nested)) {
            assertThat(created.append(incoming("EV_1")).offset()).isEqualTo(1);
        }
        assertThat(nested).isRegularFile();
    }
}
