package io.livehook.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PostgresStateStoreTest extends StateStoreContract {
    @Override
    StateBackend backend() {
        return StateBackend.POSTGRES;
    }

    /** The tables live in their own schema, with Flyway's history beside them. */
    @Test
    void theStateIsOneSchemaOfTheDatabase() {
        assertThat(StateSql.count(store, "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                + "AND table_name IN ('events', 'rooms', 'deliveries', 'flyway_schema_history')", location.schema()))
                .isEqualTo(4);
        assertThat(StateSql.count(store, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                + "'public'")).isZero();
    }

    @Test
    void aRebuildLeavesNoSchemaBehind() throws Exception {
        store.close();
        StateStore.rebuild(location, fresh -> null);
        store = StateStore.open(location);
        assertThat(StateSql.list(store, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'livehook%'",
                rs -> rs.getString(1))).containsExactly("livehook");
    }

    /** Unreachable at start: a clear error naming where, never the password. */
    @Test
    void anUnreachableServerIsAClearErrorWithoutCredentials() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        StateLocation nowhere = new StateLocation(TestPostgres.url(closedPort, "livehook") + "?connectTimeout=2",
                Optional.of("livehook"), Optional.of("s3cret-pass"), "livehook", 2);
        assertThatThrownBy(() -> StateStore.open(nowhere))
                .isInstanceOf(StateUnavailableException.class)
                .hasMessageStartingWith("cannot reach the state database at jdbc:postgresql://127.0.0.1:" + closedPort
                        + "/livehook:")
                .hasMessageNotContaining("s3cret-pass")
                .hasMessageNotContaining("connectTimeout");
        assertThat(nowhere.toString()).doesNotContain("s3cret-pass");
    }
}
