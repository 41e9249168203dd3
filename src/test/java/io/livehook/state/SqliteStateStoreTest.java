package io.livehook.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SqliteStateStoreTest extends StateStoreContract {
    @Override
    StateBackend backend() {
        return StateBackend.SQLITE;
    }

    /** The writer's connection is shared: after SQLite rolled a transaction back by itself, the next is whole. */
    @Test
    void aTransactionAfterTheDiskFilledUpIsStillAllOrNothing() throws Exception {
        StateSql.execute(store, "CREATE TABLE scratch (b BLOB)",
                "PRAGMA max_page_count = " + (StateSql.count(store, "PRAGMA page_count") + 4));
        // The disk fills up in the middle of a transaction: SQLite rolls it back by itself.
        SQLException full = failure(() -> store.inTransaction(tx -> {
            for (int i = 0; i < 100; i++) {
                tx.sql().update("INSERT INTO scratch (b) VALUES (?)", new byte[64 * 1024]);
            }
            return null;
        }));
        assertThat(full.getMessage()).contains("full");
        assertThat(store.isTemporary(full)).isTrue();

        // The next transaction fails half-way for another reason: none of it may stay.
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.sql().update("INSERT INTO scratch (b) VALUES (?)", new byte[16]);
            throw new IllegalStateException("the event turned out to be unprocessable");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(StateSql.count(store, "SELECT count(*) FROM scratch")).as("rows of the failed transaction").isZero();
        StateSql.update(store, "INSERT INTO scratch (b) VALUES (?)", new byte[16]);
        assertThat(StateSql.count(store, "SELECT count(*) FROM scratch")).isEqualTo(1);
    }

    @Test
    void aRebuildLeavesNoFileBehind() throws Exception {
        store.close();
        StateStore.rebuild(location, fresh -> null);
        store = StateStore.open(location);
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.contains("replay"));
        }
    }

    /** Existing data directories keep working: the state file is where it always was, migrated in place. */
    @Test
    void theStateIsTheFileInTheDataDirectory() {
        assertThat(location.describe()).isEqualTo("jdbc:sqlite:" + dir.resolve("state.db").toAbsolutePath());
        assertThat(Files.exists(dir.resolve("state.db"))).isTrue();
        assertThat(StateSql.count(store, "SELECT count(*) FROM flyway_schema_history WHERE success = 1"))
                .isEqualTo(6);
    }
}
