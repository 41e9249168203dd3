package io.livehook.process;

import static io.livehook.process.ProcessorTest.roomStream;
import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.state.StateLocation;
import io.livehook.state.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state store fails for real while events keep coming: a SQLite file whose filesystem fills up, a
 * PostgreSQL server that stops and starts again. Processing waits and goes on; no valid event is
 * dead-lettered for it, and every event is applied exactly once in the end.
 */
@Timeout(180)
class ProcessorOutageTest {
    @TempDir
    Path dir;

    @Test
    void sqliteOnAFilesystemThatFillsUp_waitsForRoom_andDeadLettersNothing() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String mountOutput = new String(mount.getInputStream().readAllBytes()).strip();
        if (!mount.waitFor(10, TimeUnit.SECONDS) || mount.exitValue() != 0) {
            System.err.println("SKIP ProcessorOutageTest.sqliteOnAFilesystemThatFillsUp: cannot mount a small tmpfs "
                    + "(needs root): " + mountOutput);
            Assumptions.abort("mounting a small filesystem needs root: " + mountOutput);
        }
        try {
            List<Obj> stream = roomStream("RM_full", "full", 150); // 602 events
            try (ProcessingFixture f = new ProcessingFixture(dir, StateLocation.sqlite(disk.resolve("state.db")), 4)) {
                f.awaitCaughtUp();
                // Leave the state file a little room, far less than the stream needs.
                Path ballast = disk.resolve("ballast");
                fill(ballast, Files.getFileStore(disk).getUsableSpace() - 96 * 1024);
                stream.forEach(f::append);
                Thread.sleep(2_000); // the disk is full: lanes fail, wait and retry
                assertThat(f.processor.appliedUpTo(0)).as("stuck short of the log's end").isLessThan(f.log.head(0));

                Files.delete(ballast); // room again
                f.awaitCaughtUp();
                assertThat(f.deadLetters()).isEmpty();
                assertThat(f.count("SELECT count(*) FROM events")).isEqualTo(stream.size());
                assertThat(f.sessions()).hasSize(150).allMatch(s -> "participant_left".equals(s.endSource()));
                assertThat(f.anomalies()).isEmpty();
                assertThat(f.counterSum("livehook.process.events", "outcome", "dead_lettered")).isZero();
            }
        } finally {
            new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void postgresStoppedAndStartedAgainMidProcessing_isWaitedFor_andDeadLettersNothing() throws Exception {
        TestPostgres.quiet();
        Path data = dir.resolve("pg");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        EmbeddedPostgres server = postgres(data, port);
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE livehook");
        }
        List<List<Obj>> streams = new ArrayList<>();
        for (int r = 0; r < 8; r++) {
            streams.add(roomStream("RM_pg" + r, "pg-" + r, 25)); // 102 events each
        }
        int total = streams.stream().mapToInt(List::size).sum();
        try (ProcessingFixture f = new ProcessingFixture(dir, TestPostgres.location(TestPostgres.url(port, "livehook")),
                4)) {
            f.appendConcurrently(streams.stream().map(s -> s.subList(0, s.size() / 2)).toList());
            server.close(); // stopped with processing under way
            f.appendConcurrently(streams.stream().map(s -> s.subList(s.size() / 2, s.size())).toList());
            Thread.sleep(2_000);
            assertThat(f.processor.appliedUpTo(0)).as("stuck while the server is down").isLessThan(total);

            server = postgres(data, port);
            f.awaitCaughtUp();
            assertThat(f.deadLetters()).isEmpty();
            assertThat(f.count("SELECT count(*) FROM events")).isEqualTo(total);
            assertThat(f.sessions()).hasSize(8 * 25).allMatch(s -> "participant_left".equals(s.endSource()));
            assertThat(f.anomalies()).isEmpty();
            assertThat(f.counterSum("livehook.process.events", "outcome", "dead_lettered")).isZero();
        } finally {
            server.close();
        }
    }

    /** A server on a fixed port and data directory, so that it can be stopped and started again as itself. */
    private static EmbeddedPostgres postgres(Path data, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("fsync", "off").start();
    }

    private static void fill(Path file, long bytes) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        try (var out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }
}
