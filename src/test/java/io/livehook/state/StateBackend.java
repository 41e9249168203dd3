package io.livehook.state;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

/**
 * The databases the state store runs on, for tests that run on each: where a fresh state lives, how to point
 * a whole livehook at it, and the dialect's own test SQL (failures made to order, the order rows went in).
 */
public enum StateBackend {
    SQLITE {
        @Override
        public StateLocation freshLocation(Path dir) {
            return StateLocation.sqlite(dir.resolve("state.db"));
        }

        @Override
        public Map<String, String> env(StateLocation location) {
            return Map.of("LIVEHOOK_STATE_URL", location.url());
        }

        @Override
        public void failInserts(StateStore store, String table, String when, Failure failure) throws SQLException {
            if (failure == Failure.OF_THE_EVENT) {
                StateSql.execute(store, "CREATE TRIGGER simulated_failure BEFORE INSERT ON " + table + " WHEN " + when
                        + " BEGIN SELECT RAISE(ABORT, 'simulated constraint violation'); END");
                return;
            }
            // SQLite's own "database or disk is full", for these rows only: each would need far more pages than
            // the writer's connection may grow the file by, while everything else still fits.
            StateSql.execute(store, "CREATE TABLE simulated_ballast (b BLOB)",
                    "PRAGMA max_page_count = " + (StateSql.count(store, "PRAGMA page_count") + 1024),
                    "CREATE TRIGGER simulated_failure BEFORE INSERT ON " + table + " WHEN " + when
                            + " BEGIN INSERT INTO simulated_ballast VALUES (zeroblob(16 * 1024 * 1024)); END");
        }

        @Override
        public void stopFailing(StateStore store, String table) throws SQLException {
            StateSql.execute(store, "DROP TRIGGER simulated_failure", "DROP TABLE IF EXISTS simulated_ballast",
                    "PRAGMA max_page_count = 1073741823");
        }

        @Override
        public String appliedOrder(StateStore store) {
            return "rowid";
        }
    },

    POSTGRES {
        @Override
        public StateLocation freshLocation(Path dir) {
            return TestPostgres.location(TestPostgres.newDatabase());
        }

        @Override
        public Map<String, String> env(StateLocation location) {
            return Map.of("LIVEHOOK_STATE_URL", location.url(), "LIVEHOOK_STATE_USER", location.user().orElseThrow(),
                    "LIVEHOOK_STATE_POOL_SIZE", Integer.toString(location.poolSize()));
        }

        @Override
        public void failInserts(StateStore store, String table, String when, Failure failure) throws SQLException {
            // check_violation: the row breaks a rule; disk_full: the server cannot write, whatever the row.
            String code = failure == Failure.OF_THE_EVENT ? "check_violation" : "disk_full";
            StateSql.execute(store, "CREATE FUNCTION simulated_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                            + "RAISE EXCEPTION 'simulated %', '" + code + "' USING ERRCODE = '" + code + "'; END $$",
                    "CREATE TRIGGER simulated_failure BEFORE INSERT ON " + table + " FOR EACH ROW WHEN (" + when
                            + ") EXECUTE FUNCTION simulated_failure()");
        }

        @Override
        public void stopFailing(StateStore store, String table) throws SQLException {
            StateSql.execute(store, "DROP TRIGGER simulated_failure ON " + table, "DROP FUNCTION simulated_failure()");
        }

        @Override
        public String appliedOrder(StateStore store) throws SQLException {
            // A sequence counts across connections and transactions in the order rows are inserted.
            StateSql.execute(store, "ALTER TABLE events ADD COLUMN IF NOT EXISTS applied_order BIGSERIAL");
            return "applied_order";
        }
    };

    /** Who a failure blames: the event (it is dead-lettered) or the store (processing waits for it). */
    public enum Failure {
        OF_THE_EVENT,
        OF_THE_STORE
    }

    /** Where a new, empty state lives (a file in {@code dir}, or a new database). */
    public abstract StateLocation freshLocation(Path dir);

    /** The environment that points a livehook at {@code location}. */
    public abstract Map<String, String> env(StateLocation location);

    /**
     * Makes the store refuse inserts into {@code table} of the rows matching {@code when} (an SQL condition on
     * {@code NEW}), with a failure of the given kind, until {@link #stopFailing}.
     */
    public abstract void failInserts(StateStore store, String table, String when, Failure failure)
            throws SQLException;

    public abstract void stopFailing(StateStore store, String table) throws SQLException;

    /** A column of events that orders them as they were inserted; call before processing starts. */
    public abstract String appliedOrder(StateStore store) throws SQLException;
}
