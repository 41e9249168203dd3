package io.livehook.log;

import java.nio.file.Path;

/** The event log kept in a data directory. */
public final class EmbeddedLog {
    public static final String FILE = "events.log";

    private EmbeddedLog() {}

    public static EventLog open(Path dataDir) {
        return new FileEventLog(dataDir.resolve(FILE));
    }
}
