package io.livehook.log;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteDataSource;

/**
 * The embedded event log: one SQLite file in WAL mode. All writes go through one thread that commits
 * whatever has queued up as a single transaction (group commit), so many concurrent requests share one
 * fsync and none is answered before its commit returns. Duplicate event ids are stored once: the copy
 * only bumps a counter.
 */
public final class SqliteEventLog implements EventLog {
    private static final Logger log = LoggerFactory.getLogger(SqliteEventLog.class);
    private static final int MAX_BATCH = 1024;
    private static final Duration QUEUE_WAIT = Duration.ofSeconds(2);

    private final Path file;
    private final int maxPages;
    private final SQLiteDataSource dataSource;
    private final BlockingQueue<Write> queue;
    private final Thread writer;
    private final Connection reader;
    private final ReentrantLock headLock = new ReentrantLock();
    private final Condition headMoved = headLock.newCondition();
    private volatile long head;
    private volatile boolean closing;

    /** A write and the caller waiting for it; {@code result} completes after the commit. */
    private record Write(IncomingEvent event, Quarantine quarantine, CompletableFuture<Appended> result) {}

    private record Quarantine(byte[] body, Instant receivedAt, String keyId, String reason) {}

    public SqliteEventLog(Path file) {
        this(file, 16_384, 0);
    }

    /** {@code maxPages} > 0 caps the file size, so that tests can make the disk "full". */
    SqliteEventLog(Path file, int queueCapacity, int maxPages) {
        this.file = file;
        this.maxPages = maxPages;
        this.dataSource = Sqlite.dataSource(file, true);
        Sqlite.migrate(dataSource, "db/log");
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.reader = Sqlite.open(dataSource);
        WriteSession session;
        try {
            session = new WriteSession();
            this.head = queryHead();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare event log " + file + ": " + e.getMessage(), e);
        }
        this.writer = Thread.ofPlatform().name("event-log-writer").daemon(false)
                .start(() -> writeLoop(session));
    }

    /**
     * The writer's connection and statements. After a failed commit it is thrown away whole: SQLite rolls a
     * transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR), after which the driver's
     * rollback() fails, no new transaction is begun and the failed statement is closed, so the old connection
     * would go on autocommitting every insert while every commit() fails.
     */
    private final class WriteSession implements AutoCloseable {
        final Connection connection;
        final PreparedStatement insert;
        final PreparedStatement quarantine;

        WriteSession() throws SQLException {
            connection = dataSource.getConnection();
            try {
                connection.setAutoCommit(false);
                if (maxPages > 0) {
                    try (Statement s = connection.createStatement()) {
                        s.execute("PRAGMA max_page_count = " + maxPages);
                    }
                }
                insert = connection.prepareStatement(
                        "INSERT INTO events (event_id, event_type, queue_key, origin, key_id, received_at_ms, body) "
                                + "VALUES (?, ?, ?, ?, ?, ?, ?) "
                                + "ON CONFLICT (event_id) DO UPDATE SET duplicates = duplicates + 1 "
                                + "RETURNING position, duplicates");
                quarantine = connection.prepareStatement(
                        "INSERT INTO quarantine (key_id, received_at_ms, reason, body) VALUES (?, ?, ?, ?)");
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                connection.close();
            } catch (SQLException e) {
                log.warn("closing event log writer connection: {}", e.getMessage());
            }
        }
    }

    @Override
    public Appended append(IncomingEvent event) throws LogUnavailableException {
        return submit(new Write(event, null, new CompletableFuture<>()));
    }

    @Override
    public void quarantine(byte[] body, Instant receivedAt, String keyId, String reason)
            throws LogUnavailableException {
        submit(new Write(null, new Quarantine(body, receivedAt, keyId, reason), new CompletableFuture<>()));
    }

    private Appended submit(Write write) throws LogUnavailableException {
        if (closing) {
            throw new LogUnavailableException("event log is shutting down");
        }
        try {
            if (!queue.offer(write, QUEUE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new LogUnavailableException("event log write queue is full");
            }
            return awaitCommit(write);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("interrupted while waiting for the event log", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LogUnavailableException unavailable) {
                throw unavailable;
            }
            throw new LogUnavailableException("event log write failed", e.getCause());
        }
    }

    /**
     * Waits without a timeout: a timed park of a virtual thread arms and cancels a timer on every append. The
     * writer only exits after it has seen {@code closing} and then an empty queue, so a write enqueued before
     * this check reads {@code closing == false} is always committed or failed by it; a write that sees
     * {@code closing} waits for the writer to end and fails whatever it left behind.
     */
    private Appended awaitCommit(Write write) throws InterruptedException, ExecutionException {
        if (closing) {
            writer.join();
            failAll(queue, new LogUnavailableException("event log is closed"));
        }
        return write.result().get();
    }

    private void writeLoop(WriteSession initial) {
        List<Write> batch = new ArrayList<>(MAX_BATCH);
        WriteSession session = initial;
        try {
            while (true) {
                Write first = closing ? queue.poll() : queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                if (session == null) {
                    try {
                        session = new WriteSession();
                    } catch (SQLException e) {
                        log.error("event log cannot reopen {}: {}", file, e.getMessage());
                        failAll(batch, new LogUnavailableException("event log cannot write: " + e.getMessage(), e));
                        batch.clear();
                        continue;
                    }
                }
                if (!commit(session, batch)) {
                    session.close();
                    session = null;
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (session != null) {
                session.close();
            }
            failAll(queue, new LogUnavailableException("event log is closed"));
        }
    }

    /** Commits the batch as one transaction and answers its writers; false if it failed (all of it). */
    private boolean commit(WriteSession session, List<Write> batch) {
        Connection connection = session.connection;
        PreparedStatement insert = session.insert;
        PreparedStatement quarantine = session.quarantine;
        List<Appended> results = new ArrayList<>(batch.size());
        long newHead = head;
        try {
            for (Write write : batch) {
                if (write.event() != null) {
                    Appended appended = insert(insert, write.event());
                    if (!appended.duplicate()) {
                        newHead = Math.max(newHead, appended.offset());
                    }
                    results.add(appended);
                } else {
                    Quarantine q = write.quarantine();
                    quarantine.setString(1, q.keyId());
                    quarantine.setLong(2, q.receivedAt().toEpochMilli());
                    quarantine.setString(3, q.reason());
                    quarantine.setBytes(4, q.body());
                    quarantine.executeUpdate();
                    results.add(null);
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            // Whatever went wrong, this batch is answered and the writer lives on: a dead writer would leave
            // every later append waiting for a commit that never comes.
            rollback(connection);
            log.error("event log could not commit {} writes to {}: {}", batch.size(), file, e.getMessage());
            failAll(batch, new LogUnavailableException("event log cannot write: " + e.getMessage(), e));
            return false;
        }
        // Move the head before answering: an appender that reads head() after its append returns must see it.
        if (newHead != head) {
            headLock.lock();
            try {
                head = newHead;
                headMoved.signalAll();
            } finally {
                headLock.unlock();
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(results.get(i));
        }
        return true;
    }

    private static Appended insert(PreparedStatement insert, IncomingEvent event) throws SQLException {
        insert.setString(1, event.eventId());
        insert.setString(2, event.eventType());
        insert.setString(3, event.queueKey());
        insert.setString(4, event.origin().label());
        insert.setString(5, event.keyId());
        insert.setLong(6, event.receivedAt().toEpochMilli());
        insert.setBytes(7, event.body());
        try (ResultSet rs = insert.executeQuery()) {
            rs.next();
            return new Appended(0, rs.getLong(1), rs.getLong(2) > 0);
        }
    }

    private static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.warn("event log rollback failed: {}", e.getMessage());
        }
    }

    private static void failAll(Iterable<Write> writes, LogUnavailableException error) {
        for (Write write : writes) {
            write.result().completeExceptionally(error);
        }
    }

    private static void failAll(BlockingQueue<Write> queue, LogUnavailableException error) {
        List<Write> left = new ArrayList<>();
        queue.drainTo(left);
        failAll(left, error);
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public List<LoggedEvent> read(int partition, long afterOffset, int limit) {
        requirePartition(partition);
        synchronized (reader) {
            try (PreparedStatement select = reader.prepareStatement(
                    "SELECT position, event_id, event_type, queue_key, body, received_at_ms, key_id, origin, duplicates "
                            + "FROM events WHERE position > ? ORDER BY position LIMIT ?")) {
                select.setLong(1, afterOffset);
                select.setInt(2, limit);
                List<LoggedEvent> events = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        events.add(new LoggedEvent(0, rs.getLong(1), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getBytes(5), Instant.ofEpochMilli(rs.getLong(6)),
                                rs.getString(7), Origin.fromLabel(rs.getString(8)), rs.getLong(9)));
                    }
                }
                return events;
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read event log " + file + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public long head(int partition) {
        requirePartition(partition);
        return head;
    }

    @Override
    public boolean awaitAfter(int partition, long offset, Duration timeout) throws InterruptedException {
        requirePartition(partition);
        long deadline = System.nanoTime() + timeout.toNanos();
        headLock.lock();
        try {
            while (head <= offset) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closing) {
                    return false;
                }
                headMoved.awaitNanos(left);
            }
            return true;
        } finally {
            headLock.unlock();
        }
    }

    @Override
    public List<QuarantinedBody> quarantined(int limit) {
        synchronized (reader) {
            try (PreparedStatement select = reader.prepareStatement(
                    "SELECT id, body, received_at_ms, key_id, reason FROM quarantine ORDER BY id DESC LIMIT ?")) {
                select.setInt(1, limit);
                List<QuarantinedBody> bodies = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        bodies.add(new QuarantinedBody(rs.getLong(1), rs.getBytes(2),
                                Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4), rs.getString(5)));
                    }
                }
                return bodies;
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read quarantine in " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private long queryHead() throws SQLException {
        try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT max(position) FROM events")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static void requirePartition(int partition) {
        if (partition != 0) {
            throw new IllegalArgumentException("the SQLite event log has one partition, not " + partition);
        }
    }

    @Override
    public void close() {
        closing = true;
        headLock.lock();
        try {
            headMoved.signalAll();
        } finally {
            headLock.unlock();
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (reader) {
            try {
                reader.close();
            } catch (SQLException e) {
                log.warn("closing event log reader: {}", e.getMessage());
            }
        }
    }
}
