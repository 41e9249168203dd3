package io.livehook.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.function.Supplier;

/**
 * A real file channel whose positional writes, truncates and syncs can be made to fail: a disk that fills
 * up half-way through a write, or a file system that refuses to cut a file.
 */
final class FaultyChannel extends FileChannel {
    private final FileChannel file;
    /** Bytes a positional write still takes before it throws; negative: no limit. */
    volatile long writableBytes = -1;
    volatile Supplier<Throwable> writeFault;
    volatile boolean truncateFails;

    FaultyChannel(FileChannel file) {
        this.file = file;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        Supplier<Throwable> fault = writeFault;
        if (fault != null) {
            throw sneaky(fault.get());
        }
        if (writableBytes >= 0) {
            if (writableBytes == 0) {
                throw new IOException("No space left on device");
            }
            int n = (int) Math.min(writableBytes, src.remaining());
            ByteBuffer part = src.slice(src.position(), n);
            int written = file.write(part, position);
            src.position(src.position() + written);
            writableBytes -= written;
            return written;
        }
        return file.write(src, position);
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (truncateFails) {
            throw new IOException("Input/output error");
        }
        file.truncate(size);
        return this;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return file.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return file.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return file.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return file.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
        return file.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        file.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
        file.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return file.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return file.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return file.read(dst, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return file.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return file.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return file.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }
}
