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
