package io.livehook.log;

import java.nio.file.Path;

/** The SQLite event log, which data directories made before the file log keep using. */
class SqliteEventLogTest extends EventLogContract {
    @Override
    Path fileIn(Path dir) {
        return dir.resolve(EmbeddedLog.SQLITE_FILE);
    }

    @Override
    EventLog open(Path file) {
        return new SqliteEventLog(file);
    }

    @Override
    EventLog openCapped(Path file, int kib) {
        return new SqliteEventLog(file, 64, kib / 4); // SQLite's pages are 4 KiB
    }
}
