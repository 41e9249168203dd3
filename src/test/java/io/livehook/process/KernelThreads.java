package io.livehook.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** This JVM's threads as the kernel sees them: names and nice values read from /proc. */
final class KernelThreads {
    static final Path THREAD_SELF = Path.of("/proc/thread-self");
    private static final Path TASKS = Path.of("/proc/self/task");

    private KernelThreads() {}

    /** Whether renice can be found on the PATH, as ProcessBuilder would look for it. */
    static boolean reniceInstalled() {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "renice"))) {
                return true;
            }
        }
        return false;
    }

    /** Thread id to name (as the kernel keeps it: at most 15 characters) for every thread alive now. */
    static Map<String, String> names() {
        Map<String, String> names = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    names.put(task.getFileName().toString(), Files.readString(task.resolve("comm")).strip());
                } catch (NoSuchFileException ended) {
                    // the thread ended while we listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** The nice value of a thread of this JVM, empty if it has ended. */
    static Optional<Integer> nice(String tid) {
        try {
            return Optional.of(niceIn(Files.readString(TASKS.resolve(tid).resolve("stat"))));
        } catch (NoSuchFileException ended) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int niceOfCurrentThread() {
        try {
            return niceIn(Files.readString(THREAD_SELF.resolve("stat")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Field 19 of proc(5) stat; counted after the last ')', since the name in field 2 may hold spaces. */
    private static int niceIn(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }
}
