package io.livehook.log;

import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The event log kept in a data directory. */
public final class EmbeddedLog {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedLog.class);
    public static final String FILE = "events.log";
    /** What data directories made before the file log hold; they keep it, since their history is in it. */
    public static final String SQLITE_FILE = "events.db";

    private EmbeddedLog() {}

    public static EventLog open(Path dataDir) {
        Path sqlite = dataDir.resolve(SQLITE_FILE);
        if (Files.exists(sqlite) && !Files.exists(dataDir.resolve(FILE))) {
            log.info("event log: {} (SQLite, made by an earlier livehook; a new data directory gets the faster {})",
                    sqlite, FILE);
            return new SqliteEventLog(sqlite);
        }
        return new FileEventLog(dataDir.resolve(FILE));
    }
}
