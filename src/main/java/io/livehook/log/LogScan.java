package io.livehook.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Walks a log file record by record, and past damage: where a record is not intact, or does not follow the
 * records before it, the walk resumes at the next intact record.
 *
 * <p>What damage means depends on what follows it. Each group commit is written with one call and synced
 * before the next is written, and starts with a commit marker; so a damaged record followed by a later
 * commit's marker had been synced, and answered 200: that is damage in the middle, and its events are
 * gone. Damage with no later commit after it lies in the last commit, which a crash can leave half-written
 * in any order of its pages: a torn tail, never answered. A file from before commit markers cannot tell
 * its commits apart, so there any intact record after the damage counts as later.
 */
final class LogScan {
    /** What a visitor makes of an intact record. */
    enum Verdict {
        /** The record belongs to the log. */
        KEEP,
        /** Intact, but it does not follow the records before it: damage. */
        REJECT,
        /** Stop the walk here. */
        STOP
    }

    interface Visitor {
        Verdict record(long offset, LogFile.Entry entry) throws IOException;

        /** {@code [offset, offset + length)} holds no record that was kept. */
        default void damaged(long offset, long length) throws IOException {}
    }

    /** Where the first damage is, and whether it lies in the middle (see the class comment); -1 if none. */
    record FirstDamage(long offset, long length, boolean inTheMiddle) {
        static final FirstDamage NONE = new FirstDamage(-1, 0, false);

        boolean present() {
            return offset >= 0;
        }
    }

    private LogScan() {}

    /**
     * Whether an intact record follows the records kept before it, whose newest event is at {@code head}: an
     * event must come after it, a duplicate must name an event up to it.
     */
    static boolean follows(LogFile.Entry entry, long head) {
        return switch (entry.kind()) {
            case LogFile.EVENT -> entry.position() > head;
            case LogFile.DUPLICATE -> entry.position() >= 1 && entry.position() <= head;
            default -> true;
        };
    }

    /** Reads and checks the 8-byte header; the file must be a livehook event log. */
    static void checkHeader(FileChannel channel) throws IOException {
        if (channel.size() < LogFile.HEADER_BYTES) {
            throw new IOException("not a livehook event log (too short for its header)");
        }
        ByteBuffer magic = ByteBuffer.allocate(LogFile.HEADER_BYTES);
        LogFile.readFully(channel, magic, 0);
        if (!Arrays.equals(magic.array(), LogFile.MAGIC)) {
            throw new IOException("not a livehook event log (wrong header)");
        }
    }

    /** Walks {@code [header, size)}. Quarantined bodies are numbered in file order from 1. */
    static void walk(FileChannel channel, long size, Visitor visitor) throws IOException {
        LogFile.Reader reader = new LogFile.Reader(channel, size);
        long quarantined = 0;
        long offset = LogFile.HEADER_BYTES;
        while (offset < size) {
            LogFile.Entry entry = reader.read(offset, quarantined + 1);
            Verdict verdict = entry == null ? Verdict.REJECT : visitor.record(offset, entry);
            if (verdict == Verdict.STOP) {
                return;
            }
            if (verdict == Verdict.KEEP) {
                quarantined += entry.kind() == LogFile.QUARANTINE ? 1 : 0;
                offset += entry.size();
                continue;
            }
            long next = reader.nextIntact(offset + 1, quarantined + 1);
            long resume = next < 0 ? size : next;
            visitor.damaged(offset, resume - offset);
            offset = resume;
        }
    }

    /**
     * A visitor that tells the first damage's kind. Before the damage every record goes to {@code inner},
     * which decides about it; after it, with {@code wholeFile} false the walk only looks for a later commit
     * and stops once that is settled, with {@code wholeFile} true every record and damage still goes to
     * {@code inner}.
     */
    static final class Classifier implements Visitor {
        private final Visitor inner;
        private final boolean wholeFile;
        private boolean commitSeen;
        private boolean commitBeforeDamage;
        private long damageOffset = -1;
        private long damageLength;
        private boolean laterRecord;
        private boolean laterCommit;

        Classifier(Visitor inner, boolean wholeFile) {
            this.inner = inner;
            this.wholeFile = wholeFile;
        }

        @Override
        public Verdict record(long offset, LogFile.Entry entry) throws IOException {
            if (damageOffset >= 0) {
                laterRecord = true;
                laterCommit |= entry.kind() == LogFile.COMMIT;
                if (!wholeFile) {
                    // Either settles it: a later commit means the middle; so does any record in a file without markers.
                    return laterCommit || !commitBeforeDamage ? Verdict.STOP : Verdict.KEEP;
                }
            }
            Verdict verdict = inner.record(offset, entry);
            commitSeen |= verdict == Verdict.KEEP && entry.kind() == LogFile.COMMIT;
            return verdict;
        }

        @Override
        public void damaged(long offset, long length) throws IOException {
            if (damageOffset < 0) {
                damageOffset = offset;
                damageLength = length;
                commitBeforeDamage = commitSeen;
            }
            if (wholeFile) {
                inner.damaged(offset, length);
            }
        }

        FirstDamage firstDamage() {
            if (damageOffset < 0) {
                return FirstDamage.NONE;
            }
            return new FirstDamage(damageOffset, damageLength, laterCommit || (laterRecord && !commitBeforeDamage));
        }
    }

    /** The message for damage in the middle: the file, the offset, and what to do. */
    static String damagedInTheMiddle(Path file, FirstDamage damage) {
        return "event log " + file.toAbsolutePath() + " is damaged at byte " + damage.offset() + " (" + damage.length()
                + " bytes), and intact records written by later commits follow: these are events that were answered 200, "
                + "not a write cut short by a crash, so livehook does not start on it. Run `livehook log check` to "
                + "see the damage, then `livehook log salvage` to write a new log with every intact record (the "
                + "original is kept aside).";
    }
}
