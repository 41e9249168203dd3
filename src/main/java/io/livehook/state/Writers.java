package io.livehook.state;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/** How state transactions reach the database: the writer policy of a dialect. */
sealed interface Writers extends AutoCloseable permits Writers.OneWriter, Writers.Pooled {

    <T> T inTransaction(StateStore.TxWork<T> work) throws SQLException;

    /** Work outside any transaction on a writing connection, in its turn where writers take turns. */
    <T> T outsideTransaction(StateStore.ReadWork<T> work) throws SQLException;

    @Override
    void close();

    /**
     * One writer at a time, on one connection whose statements stay prepared (SQLite). Left to SQLite's busy
     * handler, waiting writers sleep and poll while the one that just committed begins again at once, so a
     * processing lane with a backlog kept the lock and every other lane waited for its whole backlog. Writers
     * take turns here instead, in arrival order.
     */
    final class OneWriter implements Writers {
        private final ReentrantLock turns = new ReentrantLock(true);
        private final Connection connection;
        private final Statements statements;
        private final String shareLock;

        OneWriter(Connection connection, String shareLock) {
            this.connection = connection;
            this.shareLock = shareLock;
            this.statements = new Statements(connection);
        }

        @Override
        public <T> T inTransaction(StateStore.TxWork<T> work) throws SQLException {
            turns.lock();
            try {
                return transaction(statements, work, shareLock);
            } finally {
                turns.unlock();
            }
        }

        @Override
        public <T> T outsideTransaction(StateStore.ReadWork<T> work) throws SQLException {
            turns.lock();
            try {
                return work.run(statements);
            } finally {
                turns.unlock();
            }
        }

        @Override
        public void close() {
            turns.lock();
            try {
                statements.close();
                connection.close();
            } catch (SQLException e) {
                // the file is closed either way; nothing is left uncommitted
            } finally {
                turns.unlock();
            }
        }
    }

    /** Concurrent writers, each transaction on a connection of the pool (PostgreSQL). */
    final class Pooled implements Writers {
        private final DataSource pool;
        private final String shareLock;

        Pooled(DataSource pool, String shareLock) {
            this.pool = pool;
            this.shareLock = shareLock;
        }

        @Override
        public <T> T inTransaction(StateStore.TxWork<T> work) throws SQLException {
            try (Connection connection = pool.getConnection(); Statements statements = new Statements(connection)) {
                return transaction(statements, work, shareLock);
            }
        }

        @Override
        public <T> T outsideTransaction(StateStore.ReadWork<T> work) throws SQLException {
            try (Connection connection = pool.getConnection(); Statements statements = new Statements(connection)) {
                return work.run(statements);
            }
        }

        @Override
        public void close() {
            // the pool is the store's to close
        }
    }

    /** Committed if {@code work} returns, rolled back if it throws; the work's failure is what the caller sees. */
    private static <T> T transaction(Statements statements, StateStore.TxWork<T> work, String shareLock)
            throws SQLException {
        Connection connection = statements.connection();
        connection.setAutoCommit(false);
        try {
            T result = work.run(new StateTx(statements, shareLock));
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollbackFailure) {
                // SQLite rolls back by itself on a full disk or an I/O error, and then has no transaction to roll
                // back: that must not hide the failure that caused it.
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        } finally {
            try {
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                // a broken connection: the pool drops it, the next transaction finds out for itself
            }
        }
    }
}
