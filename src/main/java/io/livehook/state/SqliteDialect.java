package io.livehook.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** State in a SQLite file: one writer in fair turns, readers in WAL mode, replay by swapping files. */
final class SqliteDialect implements StateDialect {
    /** Result codes that blame the database or the disk, never the row: the lock, memory, I/O, space, the file. */
    private static final Set<Integer> TEMPORARY = Set.of(SQLiteErrorCode.SQLITE_BUSY.code,
            SQLiteErrorCode.SQLITE_LOCKED.code, SQLiteErrorCode.SQLITE_NOMEM.code,
            SQLiteErrorCode.SQLITE_READONLY.code, SQLiteErrorCode.SQLITE_INTERRUPT.code,
            SQLiteErrorCode.SQLITE_IOERR.code, SQLiteErrorCode.SQLITE_CORRUPT.code, SQLiteErrorCode.SQLITE_FULL.code,
            SQLiteErrorCode.SQLITE_CANTOPEN.code, SQLiteErrorCode.SQLITE_PROTOCOL.code,
            SQLiteErrorCode.SQLITE_NOTADB.code);

    @Override
    public FluentConfiguration migrations(StateLocation location) {
        return Flyway.configure().locations("classpath:db/state/sqlite");
    }

    @Override
    public HikariDataSource pool(StateLocation location) {
        HikariConfig hikari = new HikariConfig();
        hikari.setDataSource(dataSource(location));
        hikari.setPoolName("state-sqlite");
        hikari.setMaximumPoolSize(8);
        hikari.setAutoCommit(true);
        return new HikariDataSource(hikari);
    }

    @Override
    public boolean shared() {
        return false; // one process's file
    }

    @Override
    public String shareLock() {
        return ""; // one writer at a time: no one changes a row a transaction read before it ends
    }

    @Override
    public Writers writers(StateLocation location, DataSource pool) {
        try {
            Connection writer = dataSource(location).getConnection();
            try (Statement pragma = writer.createStatement()) {
                // The writer commits every few milliseconds: a checkpoint at SQLite's default 1,000 pages of
                // WAL copied the same index pages into the file again and again (processing ingest-load's
                // traffic: 45 µs of CPU per event against 66). The WAL grows to about 40 MB before one.
                pragma.execute("PRAGMA wal_autocheckpoint = 10000");
                // The index pages a batch touches stay cached between batches; readers keep the default.
                pragma.execute("PRAGMA cache_size = -16384");
            }
            return new Writers.OneWriter(writer, shareLock());
        } catch (SQLException e) {
            throw new StateUnavailableException("cannot open the state store's writer on " + location.describe()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int headsPerStatement() {
        return 1;
    }

    @Override
    public boolean temporary(SQLException e) {
        int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code : e.getErrorCode();
        return TEMPORARY.contains(code & 0xff); // extended codes (SQLITE_IOERR_WRITE) carry the primary one below
    }

    @Override
    public StateLocation rebuildBeside(StateLocation live) throws SQLException {
        Path fresh = file(live).resolveSibling(file(live).getFileName() + ".replay");
        delete(fresh);
        return live.withUrlAndSchema(StateLocation.SQLITE_PREFIX + fresh, live.schema());
    }

    @Override
    public int carryOverDeliveries(StateStore rebuilt, StateLocation live) throws SQLException {
        Path old = file(live);
        if (!Files.exists(old)) {
            return 0;
        }
        // ATTACH works outside a transaction only: on the writer's connection, in its turn.
        return rebuilt.outsideTransaction(sql -> {
            sql.update("ATTACH DATABASE ? AS old", old.toString());
            try {
                if (sql.count("SELECT count(*) FROM old.sqlite_master WHERE type = 'table' AND name = 'deliveries'")
                        == 0) {
                    return 0; // state from before deliveries existed
                }
                return DeliveryStore.copy(sql, "old", "main");
            } finally {
                sql.update("DETACH DATABASE old");
            }
        });
    }

    @Override
    public void swap(StateLocation rebuilt, StateLocation live) throws SQLException {
        try {
            delete(file(live));
            Files.move(file(rebuilt), file(live), StandardCopyOption.ATOMIC_MOVE);
        } catch (UncheckedIOException | IOException e) {
            throw new SQLException("cannot put the rebuilt state file in place of " + live.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Not synced on every commit: state, its log checkpoint and its outbox are derived from the durable log in
     * the same transactions, so a power cut that takes back the last commits only makes them be processed
     * again. It saves an fsync per processing transaction, which ingest's commits would wait for.
     */
    private static SQLiteDataSource dataSource(StateLocation location) {
        Path file = file(location);
        try {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file.getParent(), e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        // IMMEDIATE: writers take the lock when they begin, so two writers never deadlock on an upgrade.
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl(StateLocation.SQLITE_PREFIX + file);
        return dataSource;
    }

    private static Path file(StateLocation location) {
        String path = location.url().substring(StateLocation.SQLITE_PREFIX.length());
        return Path.of(path.contains("?") ? path.substring(0, path.indexOf('?')) : path).toAbsolutePath();
    }

    private static void delete(Path file) throws SQLException {
        try {
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            }
        } catch (IOException e) {
            throw new SQLException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }
}
