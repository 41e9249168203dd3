package io.livehook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Lowering the priority is best effort: where it cannot be done processing goes on at normal priority. Each
 * case runs in a thread of its own, so that a thread it did lower is not reused.
 */
class CpuPriorityTest {

    @Test
    void lowersTheCallingThreadOnly() throws Exception {
        assumeThat(Files.exists(KernelThreads.THREAD_SELF)).as("/proc/thread-self (Linux)").isTrue();
        assumeThat(KernelThreads.reniceInstalled()).as("renice on the PATH").isTrue();
        int ownNice = KernelThreads.niceOfCurrentThread();
        assumeThat(ownNice).as("room below the lowest priority").isLessThan(15);

        Result result = inNewThread(() -> CpuPriority.lowerCurrentThread(ownNice + 5));

        assertThat(result.lowered()).isTrue();
        assertThat(result.niceAfter()).isEqualTo(ownNice + 5);
        assertThat(KernelThreads.niceOfCurrentThread()).isEqualTo(ownNice);
    }

    @Test
    void withoutReniceTheThreadGoesOnAtItsPriority() throws Exception {
        assumeThat(Files.exists(KernelThreads.THREAD_SELF)).as("/proc/thread-self (Linux)").isTrue();
        int ownNice = KernelThreads.niceOfCurrentThread();

        Result result = inNewThread(() -> CpuPriority.lowerCurrentThread(ownNice + 5, "renice-not-installed-here"));

        assertThat(result.lowered()).isFalse();
        assertThat(result.niceAfter()).isEqualTo(ownNice);
    }

    @Test
    void aReniceThatFailsLeavesTheThreadAtItsPriority() throws Exception {
        assumeThat(Files.exists(KernelThreads.THREAD_SELF)).as("/proc/thread-self (Linux)").isTrue();
        assumeThat(Files.isExecutable(Path.of("/bin/false"))).as("/bin/false").isTrue();
        int ownNice = KernelThreads.niceOfCurrentThread();

        // /bin/false takes renice's arguments and exits with 1, as renice does when it is refused.
        Result result = inNewThread(() -> CpuPriority.lowerCurrentThread(ownNice + 5, "/bin/false"));

        assertThat(result.lowered()).isFalse();
        assertThat(result.niceAfter()).isEqualTo(ownNice);
    }

    private record Result(boolean lowered, int niceAfter) {}

    private interface Lowering {
        boolean lower();
    }

    /** Runs {@code lowering} in a new thread; rethrows what it threw, so that a throwing fallback fails the test. */
    private static Result inNewThread(Lowering lowering) throws Exception {
        AtomicReference<Result> result = new AtomicReference<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("cpu-priority-test").start(() -> {
            try {
                result.set(new Result(lowering.lower(), KernelThreads.niceOfCurrentThread()));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        thread.join();
        if (thrown.get() != null) {
            throw new AssertionError("lowering the priority threw", thrown.get());
        }
        return result.get();
    }
}
