package io.livehook.state;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * What differs between the databases the state can live in, in the spirit of db-scheduler's
 * {@code JdbcCustomization}: each dialect a small class, chosen once from the JDBC URL. Everything else is one
 * SQL that both run (upserts are {@code INSERT … ON CONFLICT … DO UPDATE} in both); the binary type and
 * generated ids differ only in each dialect's migrations.
 */
sealed interface StateDialect permits SqliteDialect, PostgresDialect {

    static StateDialect of(StateLocation location) {
        if (location.url().startsWith(StateLocation.SQLITE_PREFIX)) {
            return new SqliteDialect();
        }
        if (location.url().startsWith("jdbc:postgresql:")) {
            return new PostgresDialect();
        }
        throw new IllegalArgumentException("the state lives in SQLite (jdbc:sqlite:…) or PostgreSQL "
                + "(jdbc:postgresql://…), not at " + location.describe());
    }

    /**
     * True when several livehook processes can work on this state at once (a database server); false when it is
     * one process's file, which the data directory's lock keeps to that process.
     */
    boolean shared();

    /**
     * What a SELECT ends with to keep the rows it read from changing until the transaction ends, while letting
     * other transactions read and keep them too (fences of one partition from several lanes).
     */
    String shareLock();

    /** Flyway, told where this database's migrations are and where its tables go. */
    FluentConfiguration migrations(StateLocation location);

    /** The pool that reads (and, where writers go concurrently, writes) use; fails fast if unreachable. */
    HikariDataSource pool(StateLocation location);

    /** How transactions get their connection: the writer policy. */
    Writers writers(StateLocation location, DataSource pool);

    /**
     * True when the failure says nothing about the data written: the database is busy, down, full, failing or
     * in a conflict another attempt resolves. The same work may succeed later, so it is retried, never
     * dead-lettered.
     */
    boolean temporary(SQLException e);

    /**
     * How many queues' heads one statement reads (a {@code UNION ALL} of one-row probes). Where a statement is a
     * round trip to a server, many; where it runs in-process, one: the same small statement, prepared once per
     * read, costs less to run per queue than preparing a long one (SQLite prepares anew on each read connection).
     */
    int headsPerStatement();

    /** A place beside {@code live} to rebuild the state in, left empty for the rebuild. */
    StateLocation rebuildBeside(StateLocation live) throws SQLException;

    /**
     * Copies the deliveries and their attempts of the state at {@code live} into the rebuilt store: they are
     * a record of what was sent, not state derived from the log.
     */
    int carryOverDeliveries(StateStore rebuilt, StateLocation live) throws SQLException;

    /**
     * Puts the rebuilt state (closed) in the live one's place in one step; until then the live state is
     * untouched, so a failed rebuild loses nothing.
     */
    void swap(StateLocation rebuilt, StateLocation live) throws SQLException;
}
