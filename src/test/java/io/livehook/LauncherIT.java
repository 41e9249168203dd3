package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.config.ConfigLoader;
import io.livehook.testing.LivehookProcess;
import io.livehook.testing.TestJwt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./livehook} with real JDKs, installed beside the packaged jar as the systemd unit has it (no sources,
 * so it never builds): JAVA_HOME unset, the default {@code java} of the machine on the PATH (Java 17 on many),
 * and a JDK 21+ among the installed ones. The JVM takes every option the launcher gives it, and the service log
 * holds no JVM warning once a webhook has gone through every stage.
 */
class LauncherIT {
    @TempDir
    Path tmp;

    @Test
    void runsThePackagedJarWithAJdkItFindsAndItsLogHasNoJvmWarnings() throws Exception {
        Path jar = Path.of(System.getProperty("livehook.jar", "target/livehook.jar")).toAbsolutePath();
        Path launcher = Files.copy(Path.of("livehook"), Files.createDirectories(tmp.resolve("opt")).resolve("livehook"));
        launcher.toFile().setExecutable(true);
        // The JDKs installed beside the one running this test, whatever the machine's layout.
        Path jdks = Path.of(System.getProperty("java.home")).toRealPath().getParent();
        Map<String, String> env = Map.of("JAVA_HOME", "", "PATH", "/usr/bin:/bin", "LIVEHOOK_JAR", jar.toString(),
                "LIVEHOOK_JDK_SEARCH", jdks + "/*", "LIVEHOOK_DATA_DIR", tmp.resolve("data").toString(),
                "LIVEHOOK_HOST", "127.0.0.1");

        Path versionLog = tmp.resolve("version.log");
        try (LivehookProcess version = LivehookProcess.start(List.of(launcher.toString(), "--version"), env, 0,
                versionLog)) {
            assertThat(version.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(version.process().exitValue()).as(version.output()).isZero();
        }
        assertThat(Files.readString(versionLog).strip()).isEqualTo(BuildInfo.current().describe());

        int port = LivehookProcess.freePort();
        Map<String, String> serveEnv = new HashMap<>(env);
        serveEnv.put("LIVEHOOK_PORT", Integer.toString(port));
        Path log = tmp.resolve("serve.log");
        try (LivehookProcess serve = LivehookProcess.start(List.of(launcher.toString(), "serve", "--dev"), serveEnv,
                port, log); HttpClient http = HttpClient.newHttpClient()) {
            serve.awaitOk("/readyz", Duration.ofSeconds(60));
            byte[] body = ("{\"id\":\"EV_launcher\",\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_l\","
                    + "\"name\":\"launcher\"},\"participant\":{\"sid\":\"PA_l\",\"identity\":\"ann\"},\"createdAt\":\""
                    + Instant.now().getEpochSecond() + "\"}").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/webhook"))
                    .header("Content-Type", "application/webhook+json")
                    .header("Authorization", TestJwt.webhook(ConfigLoader.DEV_KEY, ConfigLoader.DEV_SECRET, body,
                            Instant.now()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            String sessions = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!sessions.contains("PA_l") && System.nanoTime() < deadline) {
                sessions = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/identities/ann/sessions")).build(), HttpResponse.BodyHandlers.ofString()).body();
                Thread.sleep(100);
            }
            assertThat(sessions).as("processed into state").contains("PA_l");
            serve.stop(Duration.ofSeconds(30));
        }
        assertThat(Files.readString(log)).contains("livehook " + BuildInfo.current().version(), "livehook stopped")
                .doesNotContain("WARNING", "sun.misc.Unsafe", "Exception");
    }
}
