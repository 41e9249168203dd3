package io.livehook.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The process's open-file limit (RLIMIT_NOFILE) and use, from Linux's /proc: every TCP connection takes a
 * file descriptor, and a server that runs out of them cannot even accept the connection that would tell it.
 */
final class OpenFiles {
    private OpenFiles() {}

    /** The soft limit ("Max open files" in /proc/self/limits); empty where unknown or unlimited. */
    static OptionalLong limit() {
        try {
            return parseLimit(Files.readAllLines(Path.of("/proc/self/limits")));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong parseLimit(List<String> limits) {
        for (String line : limits) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
                return soft.equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(soft));
            }
        }
        return OptionalLong.empty();
    }

    /** How many descriptors the process has open now; empty where unknown. */
    static OptionalLong inUse() {
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            return OptionalLong.of(open.count());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
