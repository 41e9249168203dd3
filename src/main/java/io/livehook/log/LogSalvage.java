package io.livehook.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code livehook log salvage}: writes a new log holding every intact record of a damaged one, in order and
 * at their positions, and keeps the original aside. The new log's commit markers carry the highest position
 * the old one ever handed out, so events appended afterwards never take a position processing may already
 * have seen. Stop the service first.
 */
public final class LogSalvage {
    /** Copied records between two commit markers: damage later in the new file is then told apart as usual. */
    private static final int RECORDS_PER_MARKER = 256;

    private LogSalvage() {}

    /** What salvage did: the check of the original, and where the original now is. */
    public record Salvaged(LogCheck.Report original, Path keptAside) {}

    public static Salvaged salvage(Path file) throws IOException {
        LogCheck.Report report = LogCheck.check(file);
        Path dir = file.toAbsolutePath().getParent();
        Path fresh = file.resolveSibling(file.getFileName() + ".salvage");
        Files.deleteIfExists(fresh);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(LogFile.MAGIC));
            Copy copy = new Copy(in, out, report.highestPosition());
            copy.marker();
            LogScan.walk(in, in.size(), new LogCheck.Survey(copy));
            copy.marker();
            out.force(true);
        }
        // The original stays under a second name before the new file takes the log's name, so that a crash in
        // between leaves either the old log or the new one in place, never no log (a new empty log would start
        // again at position 1).
        Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + System.currentTimeMillis());
        try {
            Files.createLink(aside, file);
        } catch (UnsupportedOperationException | IOException noHardLinks) {
            Files.copy(file, aside, StandardCopyOption.COPY_ATTRIBUTES);
        }
        Durable.syncDirectory(dir);
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Durable.syncDirectory(dir);
        return new Salvaged(report, aside);
    }

    /** Copies kept records byte for byte, between commit markers of its own every few hundred. */
    private static final class Copy implements LogCheck.Sink {
        private final FileChannel in;
        private final FileChannel out;
        private final long highest;
        private final ByteBuffer markerBytes = ByteBuffer.allocate(LogFile.commitSize());
        private int sinceMarker;

        Copy(FileChannel in, FileChannel out, long highest) {
            this.in = in;
            this.out = out;
            this.highest = highest;
        }

        @Override
        public void keep(long offset, LogFile.Entry entry) throws IOException {
            if (entry.kind() == LogFile.COMMIT) {
                return; // replaced by this copy's own markers
            }
            long copied = 0;
            while (copied < entry.size()) {
                copied += in.transferTo(offset + copied, entry.size() - copied, out);
            }
            if (++sinceMarker == RECORDS_PER_MARKER) {
                marker();
            }
        }

        void marker() throws IOException {
            markerBytes.clear();
            LogFile.putCommitAt(markerBytes, 0, highest);
            markerBytes.position(LogFile.commitSize()).flip();
            while (markerBytes.hasRemaining()) {
                out.write(markerBytes);
            }
            sinceMarker = 0;
        }
    }
}
