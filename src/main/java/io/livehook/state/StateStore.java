package io.livehook.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.livehook.log.Sqlite;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Where livehook keeps the state it derives from the log: a SQLite file by default, PostgreSQL through
 * the same JDBC code. Work happens in transactions handed a {@link StateTx}.
 */
public final class StateStore implements AutoCloseable {
    private final HikariDataSource dataSource;
    /**
     * SQLite has one writer at a time. Left to SQLite's busy handler, waiting writers sleep and poll while
     * the one that just committed begins again at once, so a processing lane with a backlog kept the lock
     * and every other lane waited for its whole backlog. Writers take turns here instead, in arrival order.
     * Null for a store that takes concurrent writers.
     */
    private final ReentrantLock writerTurns;
    /**
     * With one writer at a time, transactions share one connection and keep its statements prepared; null
     * for a store that takes concurrent writers, whose transactions borrow pooled connections.
     */
    private final Connection writer;
    private final Statements writerStatements;

    private StateStore(HikariDataSource dataSource, DataSource writerSource, String migrations) {
        this.dataSource = dataSource;
        Sqlite.migrate(dataSource, migrations);
        this.writerTurns = writerSource == null ? null : new ReentrantLock(true);
        try {
            this.writer = writerSource == null ? null : writerSource.getConnection();
        } catch (SQLException e) {
            dataSource.close();
            throw new StateUnavailableException("cannot open the state store's writer: " + e.getMessage(), e);
        }
        this.writerStatements = writer == null ? null : new Statements(writer);
    }

    public static StateStore sqlite(Path file) {
        // Not synced on every commit: state, its log checkpoint and its outbox are derived from the durable log
        // in the same transactions, so a power cut that takes back the last commits only makes them be
        // processed again. It saves an fsync per processing transaction, which ingest's commits would wait for.
        SQLiteDataSource sqlite = Sqlite.dataSource(file, false);
        // IMMEDIATE: writers take the lock when they begin, so two writers never deadlock on an upgrade.
        sqlite.getConfig().setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        HikariConfig hikari = new HikariConfig();
        hikari.setDataSource(sqlite);
        hikari.setPoolName("state-sqlite");
        hikari.setMaximumPoolSize(8);
        hikari.setAutoCommit(true);
        return new StateStore(new HikariDataSource(hikari), sqlite, "db/state/sqlite");
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T inTransaction(TxWork<T> work) throws SQLException {
        if (writerTurns == null) {
            try (Connection connection = dataSource.getConnection();
                    Statements statements = new Statements(connection)) {
                return transaction(connection, statements, work);
            }
        }
        writerTurns.lock();
        try {
            return transaction(writer, writerStatements, work);
        } finally {
            writerTurns.unlock();
        }
    }

    private static <T> T transaction(Connection connection, Statements statements, TxWork<T> work)
            throws SQLException {
        connection.setAutoCommit(false);
        try {
            T result = work.run(new StateTx(connection, statements));
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** Read-only work on a connection of its own; sees only committed state. */
    public <T> T read(ReadWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new StateUnavailableException("state store read failed: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    public interface TxWork<T> {
        T run(StateTx tx) throws SQLException;
    }

    @FunctionalInterface
    public interface ReadWork<T> {
        T run(Connection connection) throws SQLException;
    }

    @Override
    public void close() {
        if (writer != null) {
            writerTurns.lock();
            try {
                writerStatements.close();
                writer.close();
            } catch (SQLException e) {
                // the file is closed either way; nothing is left uncommitted
            } finally {
                writerTurns.unlock();
            }
        }
        dataSource.close();
    }
}
