package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.testing.LivehookProcess;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} from the built jar against a Kafka or a PostgreSQL that is not there (a closed port on
 * loopback): it exits non-zero with one line that says what it could not reach, no stack trace, no password.
 */
@Timeout(120)
class StartupErrorsIT {
    private static final String PASSWORD = "pg-password-never-printed-5f1e";

    @TempDir
    Path dir;

    private String serve(Map<String, String> settings) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("LIVEKIT_API_KEY", "APIstart",
                "LIVEKIT_API_SECRET", "start-secret-long-enough-for-hs256", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_PORT", Integer.toString(LivehookProcess.freePort()),
                "LIVEHOOK_DATA_DIR", dir.resolve("data").toString(), "LIVEHOOK_STATE_PASSWORD", PASSWORD));
        env.putAll(settings);
        Path jar = Path.of(System.getProperty("livehook.jar", "target/livehook.jar"));
        Path log = dir.resolve("out.log");
        LivehookProcess process = LivehookProcess.start(List.of(LivehookProcess.javaBinary(), "-jar",
                jar.toString(), "serve"), env, 0, log);
        assertThat(process.process().waitFor(60, TimeUnit.SECONDS)).as("it stops by itself").isTrue();
        assertThat(process.process().exitValue()).isEqualTo(1);
        String output = process.output();
        assertThat(output).doesNotContain(PASSWORD).doesNotContain("\tat ").doesNotContain("Exception");
        return output;
    }

    @Test
    void anUnreachableKafkaIsOneLine() throws Exception {
        int closed = LivehookProcess.freePort();
        String output = serve(Map.of("LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + closed,
                "LIVEHOOK_KAFKA_CONNECT_TIMEOUT_MS", "1500"));
        assertThat(output.lines().filter(line -> line.startsWith("livehook: ")).toList())
                .singleElement().asString().startsWith("livehook: cannot reach Kafka at 127.0.0.1:" + closed);
    }

    @Test
    void anUnreachablePostgresqlIsOneLine() throws Exception {
        int closed = LivehookProcess.freePort();
        String output = serve(Map.of("LIVEHOOK_STATE_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/livehook",
                "LIVEHOOK_STATE_USER", "livehook"));
        assertThat(output.lines().filter(line -> line.startsWith("livehook: ")).toList())
                .singleElement().asString()
                .startsWith("livehook: cannot reach the state database at jdbc:postgresql://127.0.0.1:" + closed
                        + "/livehook");
    }
}
