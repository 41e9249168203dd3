package io.livehook.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** How livehook opens its SQLite files: WAL, a busy timeout, migrations applied. */
public final class Sqlite {
    private Sqlite() {}

    /**
     * {@code durable}: every commit syncs the WAL (synchronous FULL), so a committed row survives a power cut.
     * Otherwise (NORMAL) a commit survives a crash of the process but a power cut may take back the last
     * transactions, which is right only for data that can be derived again from a durable source.
     */
    public static SQLiteDataSource dataSource(Path file, boolean durable) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file.getParent(), e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(durable ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        return dataSource;
    }

    public static void migrate(DataSource dataSource, String location) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:" + location)
                .loggers("slf4j")
                .load()
                .migrate();
    }

    public static Connection open(DataSource dataSource) {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open SQLite database: " + e.getMessage(), e);
        }
    }
}
