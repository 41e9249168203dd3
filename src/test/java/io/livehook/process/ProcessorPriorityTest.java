package io.livehook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.livehook.deliver.Outbox;
import io.livehook.log.FileEventLog;
import io.livehook.state.StateStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor's threads give ingest the CPU first: they run at the nice value they are given, and only they. */
class ProcessorPriorityTest {
    private static final int NICENESS = 7;
    private static final int LANES = 3;

    @TempDir
    Path dir;

    @Test
    void laneAndReaderThreadsRunAtTheGivenNiceValue_theStartingThreadKeepsItsOwn() throws Exception {
        assumeThat(Files.exists(KernelThreads.THREAD_SELF)).as("/proc/thread-self (Linux)").isTrue();
        assumeThat(KernelThreads.reniceInstalled()).as("renice on the PATH").isTrue();
        int ownNice = KernelThreads.niceOfCurrentThread();
        Set<String> before = KernelThreads.names().keySet();

        try (FileEventLog log = new FileEventLog(dir.resolve("events.log"));
                StateStore store = StateStore.sqlite(dir.resolve("state.db"));
                Processor processor = new Processor(log, store, LANES, Clock.systemUTC(), new SimpleMeterRegistry(),
                        Outbox.NONE, NICENESS)) {
            processor.start();
            int expected = LANES + log.partitions();
            // Each thread renices itself once it runs: wait for that rather than for a fixed time.
            Map<String, Integer> niceByThread = processingThreads(before);
            for (long deadline = System.nanoTime() + 10_000_000_000L; System.nanoTime() < deadline; ) {
                if (niceByThread.size() == expected && niceByThread.values().stream().allMatch(n -> n == NICENESS)) {
                    break;
                }
                Thread.sleep(20);
                niceByThread = processingThreads(before);
            }

            assertThat(niceByThread.keySet()).hasSize(expected)
                    .anyMatch(name -> name.startsWith("process-lane-"))
                    .anyMatch(name -> name.startsWith("process-reader"));
            assertThat(niceByThread).as("nice value of each processing thread").allSatisfy(
                    (name, nice) -> assertThat(nice).as(name).isEqualTo(NICENESS));
            assertThat(KernelThreads.niceOfCurrentThread()).as("the test's own thread").isEqualTo(ownNice);
        }
    }

    /** Name (with its thread id, as names can repeat) to nice value, for processing threads started since. */
    private static Map<String, Integer> processingThreads(Set<String> before) {
        Map<String, Integer> niceByThread = new TreeMap<>();
        KernelThreads.names().forEach((tid, name) -> {
            // The kernel keeps 15 characters of a name: "process-reader-0" is "process-reader-".
            if (!before.contains(tid) && (name.startsWith("process-lane-") || name.startsWith("process-reader"))) {
                KernelThreads.nice(tid).ifPresent(nice -> niceByThread.put(name + " (" + tid + ")", nice));
            }
        });
        return niceByThread;
    }
}
