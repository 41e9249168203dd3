package io.livehook.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process at a time owns a data directory: a second {@code serve}, or a {@code replay} while the
 * service runs, would interleave writes that each assume they are alone.
 */
public final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static DataDirLock acquire(Path dataDir, String purpose) {
        try {
            Durable.createDirectories(dataDir);
            FileChannel channel = FileChannel.open(dataDir.resolve("livehook.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldInThisProcess) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("another livehook process is using " + dataDir.toAbsolutePath()
                        + "; stop it before " + purpose);
            }
            return new DataDirLock(channel, lock);
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock data directory " + dataDir.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The lock dies with the channel or the process anyway.
        }
    }
}
