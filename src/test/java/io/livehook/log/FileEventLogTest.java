package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
