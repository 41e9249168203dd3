package io.livehook.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * State in a schema of a PostgreSQL database: lanes write concurrently from a pool, replay rebuilds into a
 * fresh schema and renames it into place.
 */
final class PostgresDialect implements StateDialect {
    /**
     * SQLSTATE classes that blame the server, never the row: 08 connection, 40 serialization failure and
     * deadlock, 53 insufficient resources (disk full, out of memory, too many connections), 57 operator
     * intervention (shutdown, cancelled), 58 system errors (I/O).
     */
    private static final Set<String> TEMPORARY_CLASSES = Set.of("08", "40", "53", "57", "58");
    private static final String REPLACED = "_replaced";

    @Override
    public FluentConfiguration migrations(StateLocation location) {
        // Flyway creates the schema if need be and keeps its history table in it.
        return Flyway.configure().locations("classpath:db/state/postgres").schemas(location.schema());
    }

    @Override
    public HikariDataSource pool(StateLocation location) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(location.url());
        location.user().ifPresent(hikari::setUsername);
        location.password().ifPresent(hikari::setPassword);
        hikari.setSchema(location.schema());
        hikari.setPoolName("state-postgres");
        hikari.setMaximumPoolSize(location.poolSize());
        hikari.setAutoCommit(true);
        hikari.setConnectionTimeout(10_000);
        // The schema may not exist before the first migration: the pool opens without it, Flyway creates it.
        return new HikariDataSource(hikari);
    }

    @Override
    public boolean shared() {
        return true; // a server every livehook of a cluster connects to
    }

    @Override
    public String shareLock() {
        return " FOR SHARE";
    }

    @Override
    public Writers writers(StateLocation location, DataSource pool) {
        return new Writers.Pooled(pool, shareLock());
    }

    @Override
    public int headsPerStatement() {
        return 64;
    }

    @Override
    public boolean temporary(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return true; // the driver's and the pool's own word for it (a connection timeout has no SQLSTATE)
        }
        String state = e.getSQLState();
        return state != null && state.length() == 5 && TEMPORARY_CLASSES.contains(state.substring(0, 2));
    }

    @Override
    public StateLocation rebuildBeside(StateLocation live) throws SQLException {
        StateLocation fresh = live.withUrlAndSchema(live.url(), live.schema() + "_replay");
        try (Connection c = connect(live); Statements sql = new Statements(c)) {
            sql.execute("DROP SCHEMA IF EXISTS " + quoted(fresh.schema()) + " CASCADE");
        }
        return fresh;
    }

    @Override
    public int carryOverDeliveries(StateStore rebuilt, StateLocation live) throws SQLException {
        return rebuilt.inTransaction(tx -> {
            Statements sql = tx.sql();
            if (sql.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                    + "AND table_name = 'deliveries'", live.schema()) == 0) {
                return 0; // no state there yet
            }
            return DeliveryStore.copy(sql, quoted(live.schema()), quoted(rebuilt.location().schema()));
        });
    }

    /** Renames in one transaction: readers see the old schema or the new one, never a mix or neither. */
    @Override
    public void swap(StateLocation rebuilt, StateLocation live) throws SQLException {
        try (Connection c = connect(live); Statements sql = new Statements(c)) {
            c.setAutoCommit(false);
            try {
                String replaced = quoted(live.schema() + REPLACED);
                sql.execute("DROP SCHEMA IF EXISTS " + replaced + " CASCADE");
                if (sql.count("SELECT count(*) FROM pg_namespace WHERE nspname = ?", live.schema()) > 0) {
                    sql.execute("ALTER SCHEMA " + quoted(live.schema()) + " RENAME TO " + replaced);
                }
                sql.execute("ALTER SCHEMA " + quoted(rebuilt.schema()) + " RENAME TO " + quoted(live.schema()));
                sql.execute("DROP SCHEMA IF EXISTS " + replaced + " CASCADE");
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static Connection connect(StateLocation location) throws SQLException {
        Properties properties = new Properties();
        location.user().ifPresent(user -> properties.setProperty("user", user));
        location.password().ifPresent(password -> properties.setProperty("password", password));
        return DriverManager.getConnection(location.url(), properties);
    }

    /** A schema name as an identifier; {@link StateLocation} allows only lower-case letters, digits and _. */
    private static String quoted(String schema) {
        return '"' + schema + '"';
    }
}
