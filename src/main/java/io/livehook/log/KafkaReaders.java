package io.livehook.log;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka consumers that read by offset, lent out one read at a time: a consumer is not thread-safe, so each
 * read has one to itself. A consumer stays on the partition and position where its last read ended, with what
 * it fetched ahead, and a read that starts there gets it back: a partition's reader (processing) keeps one
 * consumer following the log, while reads of single events (the API, dead-letter retries) take another and
 * seek. Reads use {@code assign} and {@code seek}, never a consumer group.
 */
final class KafkaReaders implements AutoCloseable {
    /** A poll returns as soon as records come; between polls, a read sees whether Kafka moved its position. */
    private static final Duration POLL_SLICE = Duration.ofMillis(100);
    private final Supplier<Consumer<byte[], byte[]>> newConsumer;
    private final int max;
    /** Most recently returned first. */
    private final Deque<Reader> idle = new ArrayDeque<>();
    private int open;
    private boolean closed;

    KafkaReaders(Supplier<Consumer<byte[], byte[]>> newConsumer, int max) {
        this.newConsumer = newConsumer;
        this.max = max;
    }

    /**
     * The records of {@code partition} from Kafka offset {@code from} up to {@code until} (exclusive), at most
     * {@code limit}. The caller knows records up to {@code until} exist (they were acknowledged); if Kafka does
     * not hand them over within {@code timeout}, this throws rather than answer as if there were none.
     */
    List<ConsumerRecord<byte[], byte[]>> read(TopicPartition partition, long from, long until, int limit,
            Duration timeout) throws InterruptedException {
        Reader reader = borrow(partition, from);
        boolean reusable = false;
        try {
            List<ConsumerRecord<byte[], byte[]>> records = reader.read(partition, from, until, limit, timeout);
            reusable = true;
            return records;
        } finally {
            giveBack(reader, reusable);
        }
    }

    /** The first offset Kafka still holds of the partition, and the offset after its last record. */
    long[] bounds(TopicPartition partition, Duration timeout) throws InterruptedException {
        Reader reader = borrow(partition, -1);
        boolean reusable = false;
        try {
            long first = reader.consumer.beginningOffsets(List.of(partition), timeout).get(partition);
            long end = reader.consumer.endOffsets(List.of(partition), timeout).get(partition);
            reusable = true;
            return new long[] {first, end};
        } finally {
            giveBack(reader, reusable);
        }
    }

    private Reader borrow(TopicPartition partition, long from) throws InterruptedException {
        synchronized (this) {
            while (true) {
                if (closed) {
                    throw new IllegalStateException("the event log is closed");
                }
                for (Iterator<Reader> it = idle.iterator(); it.hasNext(); ) {
                    Reader reader = it.next();
                    if (partition.equals(reader.partition) && reader.next == from) {
                        it.remove();
                        return reader;
                    }
                }
                if (open < max) {
                    open++;
                    break;
                }
                if (!idle.isEmpty()) {
                    return idle.removeLast(); // the one unused longest
                }
                wait();
            }
        }
        try {
            return new Reader(newConsumer.get());
        } catch (RuntimeException e) {
            synchronized (this) {
                open--;
                notifyAll();
            }
            throw e;
        }
    }

    /** A reader whose read failed midway is closed: its position and what it fetched ahead are unknown. */
    private void giveBack(Reader reader, boolean reusable) {
        synchronized (this) {
            if (reusable && !closed) {
                idle.addFirst(reader);
                notifyAll();
                return;
            }
            open--;
            notifyAll();
        }
        reader.consumer.close(Duration.ZERO);
    }

    @Override
    public void close() {
        List<Reader> closing;
        synchronized (this) {
            closed = true;
            closing = new ArrayList<>(idle);
            open -= idle.size();
            idle.clear();
            notifyAll();
        }
        for (Reader reader : closing) {
            reader.consumer.close(Duration.ZERO);
        }
    }

    private static final class Reader {
        final Consumer<byte[], byte[]> consumer;
        final Deque<ConsumerRecord<byte[], byte[]>> ahead = new ArrayDeque<>();
        TopicPartition partition;
        /** The offset the next record handed out would have; -1 before the first seek. */
        long next = -1;

        Reader(Consumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        List<ConsumerRecord<byte[], byte[]>> read(TopicPartition tp, long from, long until, int limit,
                Duration timeout) {
            if (!tp.equals(partition)) {
                consumer.assign(List.of(tp));
                partition = tp;
                next = -1;
            }
            if (next != from) {
                consumer.seek(tp, from);
                ahead.clear();
                next = from;
            }
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(Math.min(limit, 1024));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < limit && next < until) {
                ConsumerRecord<byte[], byte[]> record = ahead.pollFirst();
                if (record != null) {
                    records.add(record);
                    next = record.offset() + 1;
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("Kafka did not return " + tp + " from offset " + next
                            + " within " + timeout.toMillis() + " ms");
                }
                List<ConsumerRecord<byte[], byte[]>> polled =
                        consumer.poll(Duration.ofNanos(Math.min(left, POLL_SLICE.toNanos()))).records(tp);
                if (polled.isEmpty()) {
                    // Retention removed the records asked for: Kafka moved on to the oldest it has, maybe its end.
                    next = Math.max(next, consumer.position(tp, timeout));
                }
                ahead.addAll(polled);
            }
            return records;
        }
    }
}
