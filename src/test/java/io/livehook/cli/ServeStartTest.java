package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.BuildInfo;
import io.livehook.testing.LivehookProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code livehook serve} as its own process (the test classpath's classes, started through {@code Main}): what
 * a person sees when the start goes wrong, and what the JSON log looks like when it goes right.
 */
class ServeStartTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aPortInUseIsOneClearLineWithoutAStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Result result = serve(Map.of("LIVEHOOK_PORT", Integer.toString(taken.getLocalPort())));

            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.output().lines()).containsExactly("livehook: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": the port is in use by another process (another livehook?); "
                    + "stop it or set LIVEHOOK_PORT");
        }
    }

    @Test
    void aTypoInTheLogFormatOrLevelStopsTheStartBeforeAnythingLogs() throws Exception {
        Result format = serve(Map.of("LIVEHOOK_LOG_FORMAT", "xml"));
        assertThat(format.exit()).isEqualTo(2);
        assertThat(format.output().lines()).containsExactly(
                "livehook: LIVEHOOK_LOG_FORMAT must be one of text, json (default text), got \"xml\"");

        Result level = serve(Map.of("LIVEHOOK_LOG_LEVEL", "verbose"));
        assertThat(level.exit()).isEqualTo(2);
        assertThat(level.output().lines()).containsExactly("livehook: LIVEHOOK_LOG_LEVEL must be one of TRACE, "
                + "DEBUG, INFO, WARN, ERROR, OFF (default INFO), got \"verbose\"");
        assertThat(tmp.resolve("data")).as("nothing started").doesNotExist();
    }

    @Test
    void jsonLogsInAnyCaseAreLogstashLinesNamingTheBuild() throws Exception {
        Path log = tmp.resolve("serve.log");
        int port = LivehookProcess.freePort();
        Map<String, String> env = env(Map.of("LIVEHOOK_LOG_FORMAT", "JSON", "LIVEHOOK_PORT", Integer.toString(port)));
        try (LivehookProcess serve = LivehookProcess.start(command(), env, port, log)) {
            serve.awaitOk("/readyz", Duration.ofSeconds(60));
            serve.stop(Duration.ofSeconds(30));
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            lines.add(JSON.readTree(line)); // every line is JSON: no warning or stack trace in between
        }
        BuildInfo build = BuildInfo.current();
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.path("level").asText()).isEqualTo("INFO");
            assertThat(line.path("logger_name").asText()).isEqualTo("io.livehook.Livehook");
            assertThat(line.path("@timestamp").asText()).isNotBlank();
            assertThat(line.path("message").asText()).startsWith("livehook " + build.version() + " (commit "
                    + build.commit() + ") listening on 127.0.0.1:" + port);
        });
        assertThat(lines).last().satisfies(line -> assertThat(line.path("message").asText()).isEqualTo("livehook stopped"));
    }

    private record Result(int exit, String output) {}

    private Result serve(Map<String, String> settings) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("LIVEKIT_") || k.startsWith("LIVEHOOK_"));
        builder.environment().putAll(env(settings));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private Map<String, String> env(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(Map.of("LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", tmp.resolve("data").toString()));
        env.putAll(settings);
        return env;
    }

    private static List<String> command() {
        return List.of(LivehookProcess.javaBinary(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--dev");
    }
}
