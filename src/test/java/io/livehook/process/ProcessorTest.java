package io.livehook.process;

import static io.livehook.process.LiveKitBodies.event;
import static io.livehook.process.LiveKitBodies.room;
import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.log.Appended;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor as a consumer of the log: lanes, order, restarts, dedupe, unknown types, dead letters, metrics. */
class ProcessorTest {
    static final long T0 = EventRulesTest.T0;

    @TempDir
    Path dir;
    ProcessingFixture f;

    @BeforeEach
    void open() {
        f = new ProcessingFixture(dir);
    }

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
    }

    /** An append that has returned is in the log: awaitCaughtUp called right after it waits for it. */
    @Test
    void awaitCaughtUpRightAfterAnAppendWaitsForThatEvent() {
        for (int i = 0; i < 300; i++) {
            String id = "EV_room" + i;
            Appended appended = f.append(event(id, "room_started", T0 + i)
                    .obj("room", room("RM_" + i, "room-" + i, T0 * 1000)));
            f.awaitCaughtUp();
            assertThat(f.count("SELECT count(*) FROM events WHERE event_id = ?", id))
                    .as("event %s at offset %d applied once awaitCaughtUp returned", id, appended.offset())
                    .isEqualTo(1);
        }
    }
}
