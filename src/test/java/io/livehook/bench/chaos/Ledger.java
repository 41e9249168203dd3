package io.livehook.bench.chaos;

import io.livehook.log.EmbeddedLog;
import io.livehook.log.LogFileContents;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What was sent and answered 200, and what the data directory holds of it once livehook has stopped. */
final class Ledger {
    final Set<String> sent = ConcurrentHashMap.newKeySet();
    final Set<String> acked = ConcurrentHashMap.newKeySet();

    /**
     * {@code lost}: answered 200, not in the log or not applied to state; {@code twice}: more than one event
     * record in the log, or more than one applied row in state; {@code unsent}: held but never sent.
     */
    record Check(int acked, int inLog, int lostFromLog, int twiceInLog, int applied, int notApplied, int appliedTwice,
            int unsent) {
        boolean clean() {
            return lostFromLog == 0 && twiceInLog == 0 && notApplied == 0 && appliedTwice == 0 && unsent == 0;
        }

        @Override
        public String toString() {
            return "acked " + acked + ", in log " + inLog + " (lost " + lostFromLog + ", twice " + twiceInLog
                    + "), applied " + applied + " (not applied " + notApplied + ", twice " + appliedTwice + "), unsent "
                    + unsent;
        }
    }

    Check check(Path dataDir) throws IOException, SQLException {
        return check(dataDir, acked);
    }

    /**
     * Checks {@code mustHold} (ids answered 200) against the log file and the state file of {@code dataDir}; only
     * they count as lost, so that events in bytes destroyed on purpose can be left out.
     */
    Check check(Path dataDir, Set<String> mustHold) throws IOException, SQLException {
        Map<String, Integer> inLog = LogFileContents.recordsById(dataDir.resolve(EmbeddedLog.FILE));
        Map<String, Integer> applied = appliedById(dataDir.resolve("state.db"));
        Set<String> unsent = new HashSet<>(inLog.keySet());
        unsent.removeAll(sent);
        int lostFromLog = 0;
        int notApplied = 0;
        for (String id : mustHold) {
            lostFromLog += inLog.containsKey(id) ? 0 : 1;
            notApplied += applied.containsKey(id) ? 0 : 1;
        }
        return new Check(mustHold.size(), inLog.size(), lostFromLog,
                (int) inLog.values().stream().filter(n -> n > 1).count(), applied.size(), notApplied,
                (int) applied.values().stream().filter(n -> n > 1).count(), unsent.size());
    }

    private static Map<String, Integer> appliedById(Path stateFile) throws SQLException {
        Map<String, Integer> byId = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + stateFile.toAbsolutePath());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT event_id, count(*) FROM events GROUP BY event_id")) {
            while (rs.next()) {
                byId.put(rs.getString(1), rs.getInt(2));
            }
        }
        return byId;
    }
}
