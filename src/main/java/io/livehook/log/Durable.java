package io.livehook.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Directory entries that survive a power cut: a new file or directory exists for sure only once the
 * directory holding it has been synced, which creating it does not do.
 */
final class Durable {
    private Durable() {}

    /** Creates {@code dir} and any missing parents, syncing each parent after its new entry. */
    static void createDirectories(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path at = dir.toAbsolutePath(); at != null && !Files.isDirectory(at); at = at.getParent()) {
            missing.push(at);
        }
        while (!missing.isEmpty()) {
            Path created = missing.pop();
            Files.createDirectories(created);
            syncDirectory(created.getParent());
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
