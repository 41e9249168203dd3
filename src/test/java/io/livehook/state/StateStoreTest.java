package io.livehook.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

    @Test
    void aTransactionAfterTheDiskFilledUpIsStillAllOrNothing(@TempDir Path dir) throws Exception {
        try (StateStore store = StateStore.sqlite(dir.resolve("state.db"))) {
            store.inTransaction(tx -> {
                try (Statement s = tx.connection().createStatement()) {
                    s.execute("CREATE TABLE scratch (b BLOB)");
                    s.execute("PRAGMA max_page_count = " + (pages(tx) + 4));
                }
                return null;
            });
            // The disk fills up in the middle of a transaction: SQLite rolls it back by itself.
            assertThatThrownBy(() -> store.inTransaction(tx -> {
                for (int i = 0; i < 100; i++) {
                    Jdbc.update(tx.connection(), "INSERT INTO scratch (b) VALUES (?)", new byte[64 * 1024]);
                }
                return null;
            })).isInstanceOf(SQLException.class);

            // The next transaction fails half-way for another reason: none of it may stay.
            assertThatThrownBy(() -> store.inTransaction(tx -> {
                Jdbc.update(tx.connection(), "INSERT INTO scratch (b) VALUES (?)", new byte[16]);
                throw new IllegalStateException("the event turned out to be unprocessable");
            })).isInstanceOf(IllegalStateException.class);

            long left = store.inTransaction(tx -> Jdbc.count(tx.connection(), "SELECT count(*) FROM scratch"));
            assertThat(left).as("rows of the failed transaction").isZero();
            store.inTransaction(tx -> Jdbc.update(tx.connection(), "INSERT INTO scratch (b) VALUES (?)", new byte[16]));
            long rows = store.read(c -> Jdbc.count(c, "SELECT count(*) FROM scratch"));
            assertThat(rows).isEqualTo(1);
        }
    }

    private static long pages(StateTx tx) throws SQLException {
        return Jdbc.count(tx.connection(), "PRAGMA page_count");
    }
}
