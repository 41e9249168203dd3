package io.livehook.log;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The durable, ordered record of every event livehook accepted: the seam between ingest and everything
 * after it. Offsets are per partition, dense from 1; one queue key's events are all in one partition. Held in
 * one append-only file in the data directory ({@link FileEventLog}, one partition) or in a Kafka topic
 * ({@link KafkaEventLog}, a partition per key hash, duplicates that reach another livehook filtered later by
 * event id).
 */
public interface EventLog extends AutoCloseable {

    /**
     * Returns once the event is durable (synced to disk; acknowledged by every in-sync Kafka replica), or throws;
     * never answers before.
     */
    Appended append(IncomingEvent event) throws LogUnavailableException;

    /** Keeps a signed body that is not a readable event, durably, before it is answered. */
    void quarantine(byte[] body, Instant receivedAt, String keyId, String reason) throws LogUnavailableException;

    /**
     * Why the log cannot take writes right now (disk full, I/O error, writer failed), or empty when it can:
     * what readiness reports. It clears by itself once a write works again.
     */
    default Optional<String> writeProblem() {
        return Optional.empty();
    }

    int partitions();

    /** Events of one partition after {@code afterOffset}, in order, at most {@code limit}. */
    List<LoggedEvent> read(int partition, long afterOffset, int limit);

    /** The event at {@code offset} of the partition if it is the one with that id (bodies are read this way). */
    default Optional<LoggedEvent> read(int partition, long offset, String eventId) {
        List<LoggedEvent> found = read(partition, offset - 1, 1);
        return found.isEmpty() || !found.get(0).eventId().equals(eventId) || found.get(0).offset() != offset
                ? Optional.empty() : Optional.of(found.get(0));
    }

    /**
     * The event with that id if the log took it recently (within the window it dedupes over); empty otherwise,
     * or where a log cannot look ids up. What answers an event before processing has applied it.
     */
    default Optional<LoggedEvent> find(String eventId) {
        return Optional.empty();
    }

    /** The offset of the newest event in the partition, or 0 when it is empty. */
    long head(int partition);

    /** Waits until the partition holds an event after {@code offset}; false on timeout. */
    boolean awaitAfter(int partition, long offset, Duration timeout) throws InterruptedException;

    List<QuarantinedBody> quarantined(int limit);

    /** Stops taking appends, lets those already accepted finish, and closes cleanly. */
    @Override
    void close();
}
