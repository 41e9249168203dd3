package io.livehook.state;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.LoggerFactory;

/**
 * Where livehook keeps the state it derives from the log: a SQLite file by default, or a schema of a
 * PostgreSQL database. The same SQL runs on both; what differs is in their {@link StateDialect}. Work happens
 * in transactions handed a {@link StateTx}; reads see only committed state.
 */
public final class StateStore implements AutoCloseable {
    private final StateLocation location;
    private final StateDialect dialect;
    private final HikariDataSource pool;
    private final Writers writers;

    private StateStore(StateLocation location) {
        this.location = location;
        this.dialect = StateDialect.of(location);
        try {
            this.pool = dialect.pool(location);
        } catch (RuntimeException e) {
            throw new StateUnavailableException("cannot reach the state database at " + location.describe() + ": "
                    + rootMessage(e), e);
        }
        try {
            migrate();
            this.writers = dialect.writers(location, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    StateDialect dialect() {
        return dialect;
    }

    /** Opens the state at {@code location}, creating or migrating its tables; fails fast if it is unreachable. */
    public static StateStore open(StateLocation location) {
        return new StateStore(location);
    }

    public static StateStore sqlite(Path file) {
        return open(StateLocation.sqlite(file));
    }

    /** True when several livehook processes can share this state (PostgreSQL), false for a SQLite file. */
    public boolean shared() {
        return dialect.shared();
    }

    public StateLocation location() {
        return location;
    }

    private void migrate() {
        try {
            dialect.migrations(location).dataSource(pool).loggers("slf4j").load().migrate();
        } catch (FlywayException e) {
            throw new StateUnavailableException("cannot prepare the state tables at " + location.describe() + ": "
                    + rootMessage(e), e);
        }
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T inTransaction(TxWork<T> work) throws SQLException {
        return writers.inTransaction(work);
    }

    /** Read-only work on a connection of its own; sees only committed state. */
    <T> T read(ReadWork<T> work) {
        try (Connection connection = pool.getConnection(); Statements statements = new Statements(connection)) {
            return work.run(statements);
        } catch (SQLException e) {
            throw new StateUnavailableException("state store read failed: " + e.getMessage(), e);
        }
    }

    /** Work outside a transaction on a writer's connection (SQLite's ATTACH), in its turn. */
    <T> T outsideTransaction(ReadWork<T> work) throws SQLException {
        return writers.outsideTransaction(work);
    }

    /**
     * True when the failure (or one of its causes) blames the database, not the data: busy, unreachable, full,
     * failing. The same work may succeed later; it must not be dead-lettered.
     */
    public boolean isTemporary(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException e) {
                for (SQLException next = e; next != null; next = next.getNextException()) {
                    if (dialect.temporary(next)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Rebuilds the state at {@code live}: {@code fill} fills a fresh, empty store beside it; the old state's
     * deliveries (a record of what was sent, not state derived from the log) are carried over; then the fresh
     * state takes the old one's place in one step. Until that step the old state is untouched, so a failed
     * rebuild loses nothing.
     */
    public static <T> T rebuild(StateLocation live, Rebuild<T> fill)
            throws SQLException, IOException, InterruptedException {
        StateDialect dialect = StateDialect.of(live);
        StateLocation fresh = dialect.rebuildBeside(live);
        T result;
        try (StateStore store = open(fresh)) {
            result = fill.run(store);
            int carried = dialect.carryOverDeliveries(store, live);
            LoggerFactory.getLogger(StateStore.class).info("carried {} deliveries over to the rebuilt state", carried);
        }
        dialect.swap(fresh, live);
        return result;
    }

    @FunctionalInterface
    public interface TxWork<T> {
        T run(StateTx tx) throws SQLException;
    }

    @FunctionalInterface
    interface ReadWork<T> {
        T run(Statements sql) throws SQLException;
    }

    @FunctionalInterface
    public interface Rebuild<T> {
        T run(StateStore fresh) throws SQLException, IOException, InterruptedException;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }

    @Override
    public void close() {
        writers.close();
        pool.close();
    }
}
