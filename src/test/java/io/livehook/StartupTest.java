package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.config.ConfigLoader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupTest {
    @TempDir
    Path dataDir;

    @Test
    void refusesToRunWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            var config = new ConfigLoader(Map.of("LIVEHOOK_HOST", "127.0.0.1",
                    "LIVEHOOK_PORT", Integer.toString(taken.getLocalPort()),
                    "LIVEHOOK_DATA_DIR", dataDir.toString())).load(Optional.empty(), true);
            assertThatThrownBy(() -> Livehook.start(config, Clock.systemUTC()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": the port is in use by another "
                            + "process (another livehook?); stop it or set LIVEHOOK_PORT");
        }
        // The failed start released the data directory: a second start on a free port works.
        var config = new ConfigLoader(Map.of("LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_PORT", "0",
                "LIVEHOOK_DATA_DIR", dataDir.toString())).load(Optional.empty(), true);
        try (Livehook livehook = Livehook.start(config, Clock.systemUTC())) {
            assertThat(livehook.port()).isPositive();
        }
    }

    /** A state database that cannot be reached stops the start, naming where it is but no credential. */
    @Test
    void refusesToRunWhenTheStateDatabaseIsUnreachable_andFreesTheDataDirectory() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String password = "pg-password-never-shown";
        var config = new ConfigLoader(Map.of("LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_PORT", "0",
                "LIVEHOOK_DATA_DIR", dataDir.toString(),
                "LIVEHOOK_STATE_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/livehook?connectTimeout=2",
                "LIVEHOOK_STATE_USER", "livehook", "LIVEHOOK_STATE_PASSWORD", password)).load(Optional.empty(), true);
        assertThatThrownBy(() -> Livehook.start(config, Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach the state database at jdbc:postgresql://127.0.0.1:" + closedPort
                        + "/livehook:")
                .hasMessageNotContaining(password);
        // Nothing is held: a start with the state in the data directory works.
        var local = new ConfigLoader(Map.of("LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_PORT", "0",
                "LIVEHOOK_DATA_DIR", dataDir.toString())).load(Optional.empty(), true);
        try (Livehook livehook = Livehook.start(local, Clock.systemUTC())) {
            assertThat(livehook.port()).isPositive();
        }
    }

    @Test
    void oneProcessOwnsADataDirectory() {
        var config = new ConfigLoader(Map.of("LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_PORT", "0",
                "LIVEHOOK_DATA_DIR", dataDir.toString())).load(Optional.empty(), true);
        try (Livehook first = Livehook.start(config, Clock.systemUTC())) {
            assertThatThrownBy(() -> Livehook.start(config, Clock.systemUTC()))
                    .hasMessageContaining("another livehook process is using");
        }
    }
}
