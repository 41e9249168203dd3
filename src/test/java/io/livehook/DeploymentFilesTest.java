package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.livehook.cli.Main;
import io.livehook.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit and the compose file run commands livehook has, give a stop more time than livehook's
 * shutdown grace, and keep the hardening and restart policy the docs promise; the runbook and README point
 * at them.
 */
class DeploymentFilesTest {
    private static final Path UNIT = Path.of("ops/systemd/livehook.service");
    private static final Path COMPOSE = Path.of("ops/compose/embedded.yaml");
    private static final Path ENV_EXAMPLE = Path.of("ops/compose/example.env");
    private static final Path RUNBOOK = Path.of("ops/RUNBOOK.md");
    private static final Path README = Path.of("README.md");
    private static final Path DEPLOYMENT = Path.of("docs/deployment.md");
    private static final String LAUNCHER = "/opt/livehook/livehook";
    private static final Duration SHUTDOWN_GRACE =
            new ConfigLoader(Map.of()).load(Optional.empty(), true).server().shutdownGrace();

    @TempDir
    Path tmp;

    @Test
    void theSystemdUnitRunsServeHardenedAndRestartsOnFailure() throws Exception {
        Map<String, String> service = section(Files.readString(UNIT), "Service");

        assertThat(service.get("ExecStart")).startsWith(LAUNCHER + " ");
        parses(service.get("ExecStart").substring(LAUNCHER.length() + 1).split(" "));
        assertThat(service).containsEntry("Restart", "on-failure").containsEntry("DynamicUser", "yes")
                .containsEntry("StateDirectory", "livehook").containsEntry("ProtectSystem", "strict")
                .containsEntry("NoNewPrivileges", "yes").containsEntry("PrivateTmp", "yes")
                .containsEntry("LimitNOFILE", "65536").containsKey("EnvironmentFile")
                .doesNotContainKey("MemoryDenyWriteExecute"); // the JIT writes code
        assertThat(service.get("RestrictAddressFamilies").split(" ")).contains("AF_INET", "AF_INET6");
        assertThat(service.get("Environment")).contains("LIVEHOOK_DATA_DIR=/var/lib/livehook");
        assertThat(seconds(service.get("TimeoutStopSec"))).isGreaterThan(SHUTDOWN_GRACE.multipliedBy(2));
    }

    @Test
    void systemdFindsNothingWrongInTheUnit() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        if (!Files.isExecutable(analyze)) {
            System.out.println("SKIP systemdFindsNothingWrongInTheUnit: no " + analyze);
            return;
        }
        // Verified as installed, except that ExecStart names this checkout's launcher, which exists.
        Path unit = Files.writeString(tmp.resolve("livehook.service"), Files.readString(UNIT)
                .replace(LAUNCHER + " ", Path.of("livehook").toAbsolutePath() + " "));
        Process verify = new ProcessBuilder(analyze.toString(), "verify", "--man=no", unit.toString())
                .redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(output).isZero();
        assertThat(output).as("systemd-analyze's complaints").isBlank();
    }

    @Test
    void theComposeFileRunsTheImageWithAVolumeAHealthCheckAndARestartPolicy() throws Exception {
        JsonNode livehook = new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile()).path("services")
                .path("livehook");

        assertThat(livehook.path("image").asText()).isEqualTo("livehook:latest");
        assertThat(livehook.path("volumes")).extracting(JsonNode::asText).anyMatch(v -> v.endsWith(":/var/lib/livehook"));
        assertThat(livehook.path("restart").asText()).isIn("unless-stopped", "always", "on-failure");
        assertThat(seconds(livehook.path("stop_grace_period").asText())).isGreaterThan(SHUTDOWN_GRACE.multipliedBy(2));
        assertThat(livehook.path("env_file").asText()).isEqualTo(".env");
        assertThat(ENV_EXAMPLE).content().contains("LIVEKIT_API_KEY=", "LIVEKIT_API_SECRET=", "LIVEHOOK_API_TOKEN=");

        List<String> check = new ArrayList<>();
        livehook.path("healthcheck").path("test").forEach(arg -> check.add(arg.asText()));
        assertThat(check).startsWith("CMD", "/opt/java/bin/java").contains("-cp", "@/app/jib-classpath-file");
        int main = check.indexOf(Main.class.getName());
        assertThat(main).as("the health check runs livehook's Main").isPositive();
        parses(check.subList(main + 1, check.size()).toArray(String[]::new));
        assertThat(check.subList(main + 1, check.size())).containsExactly("probe");
    }

    @Test
    void theRunbookAndTheReadmeNameTheUnitTheComposeFileAndTheDeploymentGuide() throws Exception {
        Matcher systemctl = Pattern.compile("systemctl (\\w+) ?([\\w.-]*)").matcher(Files.readString(RUNBOOK));
        int mentions = 0;
        while (systemctl.find()) {
            mentions++;
            assertThat(Path.of("ops/systemd", systemctl.group(2).replaceAll("\\.service$", "") + ".service"))
                    .as("the unit `%s` names", systemctl.group()).exists();
        }
        assertThat(mentions).isPositive();
        assertThat(README).content().contains("docs/deployment.md", "ops/compose/embedded.yaml",
                "ops/systemd/livehook.service", "ops/livehook.example.yaml");
        assertThat(DEPLOYMENT).content().contains("client_max_body_size", "X-Forwarded-Proto", "max_size",
                "location = /webhook");
    }

    /** The arguments mean something to livehook's command line (picocli throws if not). */
    private static void parses(String... args) {
        assertThat(Main.commandLine().parseArgs(args).hasSubcommand()).as(String.join(" ", args)).isTrue();
    }

    private static Duration seconds(String value) {
        Matcher matcher = Pattern.compile("(\\d+)s?").matcher(value);
        assertThat(matcher.matches()).as("%s in seconds", value).isTrue();
        return Duration.ofSeconds(Long.parseLong(matcher.group(1)));
    }

    /** key=value lines of one [section]; a key given twice keeps both values, joined by a space. */
    private static Map<String, String> section(String unit, String name) {
        Map<String, String> entries = new LinkedHashMap<>();
        String current = "";
        for (String line : unit.split("\n")) {
            line = line.strip();
            if (line.startsWith("[")) {
                current = line.substring(1, line.length() - 1);
            } else if (current.equals(name) && !line.isEmpty() && !line.startsWith("#")) {
                String[] pair = line.split("=", 2);
                entries.merge(pair[0], pair.length > 1 ? pair[1] : "", (a, b) -> a + " " + b);
            }
        }
        return entries;
    }
}
