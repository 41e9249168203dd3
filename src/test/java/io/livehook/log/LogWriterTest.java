package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file log's writer when the file system fails under it: failed writes, failed cuts, Errors. */
class LogWriterTest {
    @TempDir
    Path dir;

    private Path file;
    private FaultyChannel channel;
    private final LogHealth health = new LogHealth();
    private LogWriter writer;

    @BeforeEach
    void open() throws Exception {
        file = dir.resolve(EmbeddedLog.FILE);
        Files.write(file, LogFile.MAGIC);
        channel = new FaultyChannel(FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
        LogIndex index = new LogIndex();
        RecentIds ids = new RecentIds(System.currentTimeMillis());
        LogRecovery.Recovered recovered = LogRecovery.recover(file, channel, index, ids);
        LogHead head = new LogHead(recovered.head());
        LogReader reader = new LogReader(file, channel, index, head, () -> writer.end());
        writer = new LogWriter(file, channel, Long.MAX_VALUE, index, ids, head, health, reader, recovered);
    }

    @AfterEach
    void close() throws Exception {
        channel.close();
    }

    private static GroupCommit.Write write(String id) {
        byte[] body = ("{\"event\":\"room_started\",\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
        return new GroupCommit.Write(new IncomingEvent(id, "room_started", "r", body, Instant.now(), "k", Origin.LIVEKIT),
                null, new CompletableFuture<>());
    }

    private static Appended answer(GroupCommit.Write write) throws Exception {
        return write.result().get();
    }

    private static Throwable failure(GroupCommit.Write write) {
        try {
            write.result().get();
            throw new AssertionError("expected " + write.event().eventId() + " to fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFailedWriteThatCannotBeCutOffStopsEveryWriteUntilTheCutWorks() throws Exception {
        GroupCommit.Write first = write("EV_1");
        writer.commit(List.of(first));
        assertThat(answer(first).offset()).isEqualTo(1);
        long synced = Files.size(file);

        // The disk fills half-way through the next commit, and the file system then refuses to cut it.
        channel.writableBytes = 30;
        channel.truncateFails = true;
        GroupCommit.Write second = write("EV_2");
        GroupCommit.Write third = write("EV_3");
        writer.commit(List.of(second, third));
        assertThat(failure(second)).isInstanceOf(LogUnavailableException.class);
        assertThat(failure(third)).isInstanceOf(LogUnavailableException.class);
        assertThat(Files.size(file)).isEqualTo(synced + 30);
        assertThat(health.problem()).hasValueSatisfying(p -> assertThat(p).contains("could not be cut off"));

        // Space again, but the half-written bytes are still there: nothing is written after them.
        channel.writableBytes = -1;
        GroupCommit.Write fourth = write("EV_4");
        writer.commit(List.of(fourth));
        assertThat(failure(fourth)).hasMessageContaining("could not be cut off");
        assertThat(Files.size(file)).isEqualTo(synced + 30);
        assertThat(health.healthy()).isFalse();

        channel.truncateFails = false;
        GroupCommit.Write fifth = write("EV_5");
        writer.commit(List.of(fifth));
        assertThat(answer(fifth).offset()).isEqualTo(2);
        assertThat(health.healthy()).isTrue();
        channel.close();

        // What was answered 503 never comes back: only the answered events are in the log.
        try (EventLog reopened = new FileEventLog(file)) {
            assertThat(reopened.read(0, 0, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_1", "EV_5");
        }
    }

    @Test
    void anErrorInTheWriteIsAnUnavailableAnswerAndTheNextCommitWorks() throws Exception {
        channel.writeFault = () -> new OutOfMemoryError("Java heap space");
        GroupCommit.Write first = write("EV_1");
        writer.commit(List.of(first));
        assertThat(failure(first)).isInstanceOf(LogUnavailableException.class).hasMessageContaining("OutOfMemoryError");
        assertThat(health.problem()).hasValueSatisfying(p -> assertThat(p).contains("OutOfMemoryError"));

        channel.writeFault = null;
        GroupCommit.Write second = write("EV_2");
        writer.commit(List.of(second));
        assertThat(answer(second).offset()).isEqualTo(1);
        assertThat(health.healthy()).isTrue();
    }

    @Test
    void anIdleUnhealthyLogFindsOutByItselfThatItCanWriteAgain() throws Exception {
        channel.writableBytes = 0;
        GroupCommit.Write first = write("EV_1");
        writer.commit(List.of(first));
        assertThat(failure(first)).hasMessageContaining("No space left on device");
        writer.idle();
        assertThat(health.healthy()).as("probes at most once a second").isFalse();

        channel.writableBytes = -1;
        long size = Files.size(file);
        Thread.sleep(1_100);
        writer.idle();
        assertThat(health.healthy()).isTrue();
        assertThat(Files.size(file)).as("a commit marker alone").isEqualTo(size + LogFile.commitSize());
    }
}
