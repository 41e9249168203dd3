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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteDataSource;

/**
 * The event log of data directories made before {@link FileEventLog}: one SQLite file in WAL mode. Each
 * group commit is one transaction, so many concurrent requests share one fsync and none is answered before
 * its commit returns. Duplicate event ids are stored once: the copy only bumps a counter.
 */
public final class SqliteEventLog implements EventLog {
    private static final Logger log = LoggerFactory.getLogger(SqliteEventLog.class);

    private final Path file;
    private final int maxPages;
    private final SQLiteDataSource dataSource;
    private final GroupCommit writes;
    private final Connection reader;
    private final LogHead head;
    /** Used by the writer thread alone; null after a failed commit until the next batch reopens it. */
    private WriteSession session;

    public SqliteEventLog(Path file) {
        this(file, 16_384, 0);
    }

    /** {@code maxPages} > 0 caps the file size, so that tests can make the disk "full". */
    SqliteEventLog(Path file, int queueCapacity, int maxPages) {
        this.file = file;
        this.maxPages = maxPages;
        this.dataSource = Sqlite.dataSource(file, true);
        Sqlite.migrate(dataSource, "db/log");
        this.reader = Sqlite.open(dataSource);
        try {
            this.session = new WriteSession();
            this.head = new LogHead(queryHead());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare event log " + file + ": " + e.getMessage(), e);
        }
        this.writes = new GroupCommit(queueCapacity, this::commit);
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
        return writes.append(event);
    }

    @Override
    public void quarantine(byte[] body, Instant receivedAt, String keyId, String reason)
            throws LogUnavailableException {
        writes.quarantine(body, receivedAt, keyId, reason);
    }

    private void commit(List<GroupCommit.Write> batch) {
        if (session == null) {
            try {
                session = new WriteSession();
            } catch (SQLException e) {
                log.error("event log cannot reopen {}: {}", file, e.getMessage());
                GroupCommit.fail(batch, new LogUnavailableException("event log cannot write: " + e.getMessage(), e));
                return;
            }
        }
        if (!commit(session, batch)) {
            session.close();
            session = null;
        }
    }

    /** Commits the batch as one transaction and answers its writers; false if it failed (all of it). */
    private boolean commit(WriteSession session, List<GroupCommit.Write> batch) {
        Connection connection = session.connection;
        PreparedStatement insert = session.insert;
        PreparedStatement quarantine = session.quarantine;
        List<Appended> results = new ArrayList<>(batch.size());
        long newHead = head.get();
        try {
            for (GroupCommit.Write write : batch) {
                if (write.event() != null) {
                    Appended appended = insert(insert, write.event());
                    if (!appended.duplicate()) {
                        newHead = Math.max(newHead, appended.offset());
                    }
                    results.add(appended);
                } else {
                    GroupCommit.Quarantine q = write.quarantine();
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
            GroupCommit.fail(batch, new LogUnavailableException("event log cannot write: " + e.getMessage(), e));
            return false;
        }
        // Move the head before answering: an appender that reads head() after its append returns must see it.
        head.moveTo(newHead);
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
        return head.get();
    }

    @Override
    public boolean awaitAfter(int partition, long offset, Duration timeout) throws InterruptedException {
        requirePartition(partition);
        return head.awaitAfter(offset, timeout);
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
        head.close();
        writes.close();
        if (session != null) {
            session.close(); // the writer thread has ended: nothing else uses it
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
