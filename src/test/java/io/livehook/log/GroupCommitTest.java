package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
    private static IncomingEvent event(String id) {
        return new IncomingEvent(id, "room_started", "r", "{}".getBytes(StandardCharsets.UTF_8), Instant.now(), "k",
                Origin.LIVEKIT);
    }

    @Test
    void anErrorThrownByTheLogFailsItsBatchMarksTheLogUnhealthyAndTheWriterGoesOn() {
        AtomicInteger batches = new AtomicInteger();
        LogHealth health = new LogHealth();
        GroupCommit.Committer committer = (List<GroupCommit.Write> batch) -> {
            if (batches.incrementAndGet() == 1) {
                throw new OutOfMemoryError("Java heap space");
            }
            health.ok(); // as the file log does: healthy again before it answers
            for (GroupCommit.Write write : batch) {
                write.result().complete(new Appended(0, batches.get(), false));
            }
        };
        try (GroupCommit commits = new GroupCommit(16, committer, health)) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                assertThatThrownBy(() -> commits.append(event("EV_1")))
                        .isInstanceOf(LogUnavailableException.class)
                        .hasMessageContaining("OutOfMemoryError");
                assertThat(health.problem()).hasValueSatisfying(p -> assertThat(p).contains("OutOfMemoryError"));
                assertThat(commits.append(event("EV_2")).offset()).isEqualTo(2);
            });
            assertThat(health.healthy()).isTrue();
        }
    }

    @Test
    void theWriterTriesAnIdleLogAgainWhenNothingIsQueued() throws Exception {
        AtomicInteger idles = new AtomicInteger();
        GroupCommit.Committer committer = new GroupCommit.Committer() {
            @Override
            public void commit(List<GroupCommit.Write> batch) {}

            @Override
            public void idle() {
                idles.incrementAndGet();
            }
        };
        try (GroupCommit commits = new GroupCommit(16, committer, new LogHealth())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (idles.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        assertThat(idles.get()).isGreaterThanOrEqualTo(3);
    }
}
