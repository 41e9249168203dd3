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

    private StateStore(HikariDataSource dataSource, String migrations, boolean oneWriter) {
        this.dataSource = dataSource;
        this.writerTurns = oneWriter ? new ReentrantLock(true) : null;
        Sqlite.migrate(dataSource, migrations);
    }

    public static StateStore sqlite(Path file) {
        SQLiteDataSource sqlite = Sqlite.dataSource(file);
        // IMMEDIATE: writers take the lock when they begin, so two writers never deadlock on an upgrade.
        sqlite.getConfig().setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        HikariConfig hikari = new HikariConfig();
        hikari.setDataSource(sqlite);
        hikari.setPoolName("state-sqlite");
        hikari.setMaximumPoolSize(8);
        hikari.setAutoCommit(true);
        return new StateStore(new HikariDataSource(hikari), "db/state/sqlite", true);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T inTransaction(TxWork<T> work) throws SQLException {
        if (writerTurns == null) {
            return transaction(work);
        }
        writerTurns.lock();
        try {
            return transaction(work);
        } finally {
            writerTurns.unlock();
        }
    }

    private <T> T transaction(TxWork<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(new StateTx(connection));
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
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
        dataSource.close();
    }
}
