package io.livehook.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ConnectionLimitTest {
    @Test
    void byDefaultAsManyAsTheOpenFileLimitLeavesRoomFor() {
        ConnectionLimit limit = ConnectionLimit.of(0, OptionalLong.of(1024), OptionalLong.of(80));
        assertThat(limit.connections()).isEqualTo(1024 - 80 - ConnectionLimit.RESERVED_FILES);
        assertThat(limit.basis()).contains("1024").contains("80 files open");
        assertThat(ConnectionLimit.of(0, OptionalLong.of(1_048_576), OptionalLong.of(80)).connections())
                .isEqualTo(ConnectionLimit.MOST);
        assertThat(ConnectionLimit.of(0, OptionalLong.empty(), OptionalLong.empty()).connections())
                .isEqualTo(ConnectionLimit.MOST);
    }

    @Test
    void aConfiguredLimitMustFitUnderTheOpenFileLimit() {
        assertThat(ConnectionLimit.of(500, OptionalLong.of(1024), OptionalLong.of(80)).connections()).isEqualTo(500);
        assertThatThrownBy(() -> ConnectionLimit.of(5000, OptionalLong.of(1024), OptionalLong.of(80)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("server.max_connections (LIVEHOOK_MAX_CONNECTIONS) is 5000")
                .hasMessageContaining("leaves room for 688")
                .hasMessageContaining("ulimit -n");
    }

    @Test
    void aLimitTooLowForAnyConnectionsStopsTheStartWithWhatToRaiseItTo() {
        assertThatThrownBy(() -> ConnectionLimit.of(0, OptionalLong.of(300), OptionalLong.of(80)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("raise the limit")
                .hasMessageContaining("to at least " + (80 + ConnectionLimit.RESERVED_FILES + ConnectionLimit.LEAST));
    }

    @Test
    void theOpenFileLimitIsReadFromProcSelfLimits() {
        List<String> limits = List.of(
                "Limit                     Soft Limit           Hard Limit           Units     ",
                "Max cpu time              unlimited            unlimited            seconds   ",
                "Max open files            1024                 524288               files     ");
        assertThat(OpenFiles.parseLimit(limits)).hasValue(1024);
        assertThat(OpenFiles.parseLimit(List.of("Max open files            unlimited            unlimited            files"))).isEmpty();
        // On Linux the process's own values are there.
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertThat(OpenFiles.limit()).isPresent();
            assertThat(OpenFiles.inUse().orElseThrow()).isPositive();
        }
    }
}
