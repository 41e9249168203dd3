package io.livehook.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.CRC32C;

/**
 * The byte format of {@link FileEventLog}'s file: an 8-byte header, then records of
 * {@code [u32 payload length][u32 CRC-32C of the payload][payload]}. A payload starts with its kind:
 * an event (with its position, increasing from 1), a duplicate marker (the position of the original), a
 * quarantined body, or a commit marker. Each group commit starts with a commit marker holding the highest
 * position handed out once that commit is done: positions are never reused, even when records are lost,
 * and a damaged record followed by a later commit's marker was synced before it (see {@link LogScan}).
 * Files written before commit markers existed have none; they read the same.
 */
final class LogFile {
    static final byte[] MAGIC = {'L', 'H', 'L', 'O', 'G', 0, 0, 1};
    static final int HEADER_BYTES = MAGIC.length;
    static final int RECORD_HEADER_BYTES = 8;
    /** Far above any body ingest accepts; a larger length can only be a torn or foreign write. */
    static final int MAX_PAYLOAD_BYTES = 256 << 20;

    static final byte EVENT = 1;
    static final byte DUPLICATE = 2;
    static final byte QUARANTINE = 3;
    static final byte COMMIT = 4;

    private LogFile() {}

    /**
     * A decoded record; fields that its kind does not have are null or 0. {@code position} is the event's,
     * the original's for a duplicate, and the highest position handed out for a commit marker.
     */
    record Entry(byte kind, long position, LoggedEvent event, QuarantinedBody quarantined, long size) {}

    static int eventSize(IncomingEvent e) {
        return RECORD_HEADER_BYTES + 1 + 8 + 8 + 1 + stringSize(e.eventId()) + stringSize(e.eventType())
                + stringSize(e.queueKey()) + stringSize(e.keyId()) + 4 + e.body().length;
    }

    static int duplicateSize() {
        return RECORD_HEADER_BYTES + 1 + 8;
    }

    static int commitSize() {
        return RECORD_HEADER_BYTES + 1 + 8;
    }

    static int quarantineSize(byte[] body, String keyId, String reason) {
        return RECORD_HEADER_BYTES + 1 + 8 + stringSize(keyId) + stringSize(reason) + 4 + body.length;
    }

    static void putEvent(ByteBuffer out, long position, IncomingEvent e) {
        int start = begin(out, EVENT);
        out.putLong(position);
        out.putLong(e.receivedAt().toEpochMilli());
        out.put((byte) e.origin().ordinal());
        putString(out, e.eventId());
        putString(out, e.eventType());
        putString(out, e.queueKey());
        putString(out, e.keyId());
        putBytes(out, e.body());
        end(out, start);
    }

    static void putDuplicate(ByteBuffer out, long position) {
        int start = begin(out, DUPLICATE);
        out.putLong(position);
        end(out, start);
    }

    /** Writes a commit marker at {@code at}, leaving the buffer's position where it was. */
    static void putCommitAt(ByteBuffer out, int at, long highestPosition) {
        int resume = out.position();
        out.position(at);
        int start = begin(out, COMMIT);
        out.putLong(highestPosition);
        end(out, start);
        out.position(resume);
    }

    static void putQuarantine(ByteBuffer out, byte[] body, Instant receivedAt, String keyId, String reason) {
        int start = begin(out, QUARANTINE);
        out.putLong(receivedAt.toEpochMilli());
        putString(out, keyId);
        putString(out, reason);
        putBytes(out, body);
        end(out, start);
    }

    private static int begin(ByteBuffer out, byte kind) {
        int start = out.position();
        out.position(start + RECORD_HEADER_BYTES);
        out.put(kind);
        return start;
    }

    private static void end(ByteBuffer out, int start) {
        int payloadStart = start + RECORD_HEADER_BYTES;
        int length = out.position() - payloadStart;
        CRC32C crc = new CRC32C();
        crc.update(out.slice(payloadStart, length));
        out.putInt(start, length);
        out.putInt(start + 4, (int) crc.getValue());
    }

    /**
     * Reads records from one region of the file through a window of it, so that reading many small records
     * in a row costs one system call per window rather than two per record.
     */
    static final class Reader {
        private static final int WINDOW_BYTES = 256 * 1024;
        private final FileChannel channel;
        private final long fileEnd;
        private ByteBuffer window = ByteBuffer.allocate(0);
        private long windowStart;

        Reader(FileChannel channel, long fileEnd) {
            this.channel = channel;
            this.fileEnd = fileEnd;
        }

        /**
         * The record at {@code offset} if it is whole and intact, else null. {@code quarantineId} numbers a
         * quarantined body (they have no position of their own).
         */
        Entry read(long offset, long quarantineId) throws IOException {
            if (fileEnd - offset < RECORD_HEADER_BYTES) {
                return null;
            }
            cover(offset, RECORD_HEADER_BYTES);
            int at = (int) (offset - windowStart);
            int length = window.getInt(at);
            int checksum = window.getInt(at + 4);
            if (length < 1 || length > MAX_PAYLOAD_BYTES || fileEnd - offset - RECORD_HEADER_BYTES < length) {
                return null;
            }
            cover(offset, RECORD_HEADER_BYTES + length);
            at = (int) (offset - windowStart) + RECORD_HEADER_BYTES;
            CRC32C crc = new CRC32C();
            crc.update(window.array(), at, length);
            if ((int) crc.getValue() != checksum) {
                return null;
            }
            try {
                return decode(window.slice(at, length), quarantineId, RECORD_HEADER_BYTES + length);
            } catch (RuntimeException malformed) {
                return null;
            }
        }

        /**
         * The offset of the first intact record at or after {@code from}, or -1: where reading resumes after
         * damage. Cheap tests (a length that fits, a known kind) come before the checksum.
         */
        long nextIntact(long from, long quarantineId) throws IOException {
            for (long offset = from; fileEnd - offset > RECORD_HEADER_BYTES; offset++) {
                cover(offset, RECORD_HEADER_BYTES + 1);
                int at = (int) (offset - windowStart);
                int length = window.getInt(at);
                byte kind = window.get(at + RECORD_HEADER_BYTES);
                if (length >= 1 && length <= MAX_PAYLOAD_BYTES && fileEnd - offset - RECORD_HEADER_BYTES >= length
                        && kind >= EVENT && kind <= COMMIT && read(offset, quarantineId) != null) {
                    return offset;
                }
            }
            return -1;
        }

        /** Makes the window hold {@code [offset, offset + bytes)}. */
        private void cover(long offset, int bytes) throws IOException {
            if (offset >= windowStart && offset + bytes <= windowStart + window.limit()) {
                return;
            }
            int size = (int) Math.min(Math.max(WINDOW_BYTES, bytes), fileEnd - offset);
            if (window.capacity() < size) {
                window = ByteBuffer.allocate(Math.max(size, WINDOW_BYTES));
            }
            window.clear().limit(size);
            readFully(channel, window, offset);
            window.flip();
            windowStart = offset;
        }
    }

    private static Entry decode(ByteBuffer in, long quarantineId, long size) {
        byte kind = in.get();
        return switch (kind) {
            case EVENT -> {
                long position = in.getLong();
                Instant receivedAt = Instant.ofEpochMilli(in.getLong());
                Origin origin = Origin.values()[in.get()];
                String eventId = getString(in);
                String eventType = getString(in);
                String queueKey = getString(in);
                String keyId = getString(in);
                byte[] body = getBytes(in);
                yield new Entry(kind, position, new LoggedEvent(0, position, eventId, eventType, queueKey, body,
                        receivedAt, keyId, origin, 0), null, size);
            }
            case DUPLICATE, COMMIT -> new Entry(kind, in.getLong(), null, null, size);
            case QUARANTINE -> {
                Instant receivedAt = Instant.ofEpochMilli(in.getLong());
                String keyId = getString(in);
                String reason = getString(in);
                byte[] body = getBytes(in);
                yield new Entry(kind, 0, null, new QuarantinedBody(quarantineId, body, receivedAt, keyId, reason), size);
            }
            default -> throw new IllegalArgumentException("unknown record kind " + kind);
        };
    }

    static void readFully(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        long at = offset;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("event log file ends at " + at + ", inside a record");
            }
            at += n;
        }
    }

    private static int stringSize(String s) {
        return 4 + s.length() * 3; // an upper bound: UTF-8 takes at most 3 bytes per UTF-16 unit
    }

    private static void putString(ByteBuffer out, String s) {
        putBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        out.putInt(bytes.length);
        out.put(bytes);
    }

    private static String getString(ByteBuffer in) {
        return new String(getBytes(in), StandardCharsets.UTF_8);
    }

    private static byte[] getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("field length " + length + " runs past the record");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
