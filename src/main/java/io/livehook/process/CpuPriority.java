package io.livehook.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the calling thread a higher nice value, so that the kernel runs ingest first and this thread on what
 * is left. Java thread priorities are ignored on Linux and setpriority needs native code, but Linux keeps the
 * nice value per thread: renice on the thread's kernel id lowers that thread alone. Threads it starts later
 * inherit its nice value (the JDK's process reaper, a virtual-thread carrier it happens to create).
 */
final class CpuPriority {
    private static final Logger log = LoggerFactory.getLogger(CpuPriority.class);
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");
    private static final Duration RENICE_TIMEOUT = Duration.ofSeconds(5);
    /** Every processing thread fails for the same reason: one warning says it. */
    private static final AtomicBoolean warned = new AtomicBoolean();

    private CpuPriority() {}

    /** Sets the calling thread's nice value; false, after a warning, if that cannot be done. */
    static boolean lowerCurrentThread(int niceness) {
        return lowerCurrentThread(niceness, "renice");
    }

    /** As {@link #lowerCurrentThread(int)}, with {@code renice} as the command that sets it. */
    static boolean lowerCurrentThread(int niceness, String renice) {
        String tid;
        try {
            tid = Files.readSymbolicLink(THREAD_SELF).getFileName().toString(); // "<pid>/task/<tid>"
        } catch (IOException | UnsupportedOperationException e) {
            return failed("cannot read " + THREAD_SELF + " (not Linux?): " + e);
        }
        // --priority is absolute in every util-linux; -n became relative under POSIXLY_CORRECT in 2.39.
        ProcessBuilder command = new ProcessBuilder(renice, "--priority", Integer.toString(niceness), "-p", tid)
                .redirectErrorStream(true);
        Process process;
        try {
            process = command.start();
        } catch (IOException e) {
            return failed("cannot run " + renice + ": " + e.getMessage());
        }
        try {
            if (!process.waitFor(RENICE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return failed(renice + " did not finish within " + RENICE_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return failed("interrupted while waiting for " + renice);
        }
        if (process.exitValue() != 0) {
            return failed(String.join(" ", command.command()) + " exited with " + process.exitValue() + ": "
                    + output(process));
        }
        return true;
    }

    private static String output(Process exited) {
        try {
            return new String(exited.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private static boolean failed(String why) {
        if (!warned.getAndSet(true)) {
            log.warn("processing runs at normal CPU priority and competes with ingest for the CPU: {}", why);
        }
        return false;
    }
}
