package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.livehook.config.ConfigLoader;
import io.livehook.testing.LivehookProcess;
import io.livehook.testing.TestJwt;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image ({@code ./mvnw -Pimage verify}) works without Docker: its layers are unpacked into a
 * directory and its entrypoint runs there under chroot, as the image's user, in a mount namespace of its own
 * with /proc and the usual devices, as a container runtime would give it. Needs root (CI is).
 */
class ImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    private static Path root;
    private static JsonNode config;

    @BeforeAll
    static void unpackTheImage() throws Exception {
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        if (!asRoot) {
            System.out.println("""
                    ####################################################################################
                    ### SKIP ImageIT: chroot needs root; the container image was built but NOT run.   ###
                    ####################################################################################""");
        }
        assumeTrue(asRoot, "ImageIT needs root for chroot");
        Path tar = Path.of(System.getProperty("livehook.image", "target/livehook-image.tar"));
        assertThat(tar).as("the image built by -Pimage package").isRegularFile();
        Path unpacked = Files.createDirectories(work.resolve("tar"));
        run(List.of("tar", "-xf", tar.toString(), "-C", unpacked.toString()));
        JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
        config = JSON.readTree(unpacked.resolve(manifest.get("Config").asText()).toFile()).get("config");
        root = Files.createDirectories(work.resolve("root"));
        for (JsonNode layer : manifest.get("Layers")) {
            run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", unpacked.resolve(layer.asText()).toString(),
                    "-C", root.toString()));
        }
        // What a container runtime adds: mount points for /proc and /dev, and the devices the JVM reads.
        Files.createDirectories(root.resolve("proc"));
        Path dev = Files.createDirectories(root.resolve("dev"));
        for (String[] device : new String[][] {{"null", "3"}, {"zero", "5"}, {"random", "8"}, {"urandom", "9"}}) {
            run(List.of("mknod", "-m", "666", dev.resolve(device[0]).toString(), "c", "1", device[1]));
        }
    }

    @Test
    void runsServeAsANonRootUserWithItsDataInAVolumeOnPort8080() {
        assertThat(config.get("User").asText()).matches("[1-9][0-9]*:[0-9]+");
        assertThat(config.get("Cmd")).extracting(JsonNode::asText).containsExactly("serve");
        assertThat(config.get("Env")).extracting(JsonNode::asText).contains("LIVEHOOK_DATA_DIR=/var/lib/livehook");
        assertThat(config.get("Volumes").has("/var/lib/livehook")).isTrue();
        assertThat(config.get("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(root.resolve(config.get("Entrypoint").get(0).asText().substring(1))).isExecutable();
    }

    @Test
    void versionNamesThisBuild() throws Exception {
        Process process = new ProcessBuilder(command("--version")).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output.strip()).isEqualTo(BuildInfo.current().describe())
                .startsWith("livehook " + System.getProperty("livehook.version") + " (commit ");
    }

    @Test
    void serveDevAnswersHealthAndTakesAWebhookQuietly() throws Exception {
        int port = LivehookProcess.freePort();
        Map<String, String> env = new HashMap<>(imageEnv());
        env.put("LIVEHOOK_HOST", "127.0.0.1");
        env.put("LIVEHOOK_PORT", Integer.toString(port));
        Path log = work.resolve("serve.log");
        try (LivehookProcess serve = LivehookProcess.start(command("serve", "--dev"), env, port, log);
                HttpClient http = HttpClient.newHttpClient()) {
            serve.awaitOk("/healthz", Duration.ofSeconds(90));
            serve.awaitOk("/readyz", Duration.ofSeconds(30));
            byte[] body = ("{\"id\":\"EV_image\",\"event\":\"room_started\",\"room\":{\"sid\":\"RM_image\","
                    + "\"name\":\"image\"},\"createdAt\":\"" + Instant.now().getEpochSecond() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/webhook"))
                    .header("Content-Type", "application/webhook+json")
                    .header("Authorization", TestJwt.webhook(ConfigLoader.DEV_KEY, ConfigLoader.DEV_SECRET, body,
                            Instant.now()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            awaitRoom(http, port);
            assertThat(healthCheck(port)).contains("/readyz: 200 ready");
            serve.stop(Duration.ofSeconds(30));
        }
        String output = Files.readString(log);
        assertThat(output).contains("listening on 127.0.0.1:" + port, "data in /var/lib/livehook", "livehook stopped")
                .as("no JVM warning (Unsafe, native access), and renice is there")
                .doesNotContain("WARNING", "sun.misc.Unsafe", "renice");
        Path events = root.resolve("var/lib/livehook/events.log");
        assertThat(events).isRegularFile();
        assertThat(Files.getAttribute(events, "unix:uid")).as("written by the image's user")
                .isEqualTo(Integer.parseInt(config.get("User").asText().split(":")[0]));
    }

    /** The compose file's health check, run in the image as compose would; returns its output. */
    private static String healthCheck(int port) throws Exception {
        JsonNode test = new ObjectMapper(new YAMLFactory()).readTree(Path.of("ops/compose/embedded.yaml").toFile())
                .path("services").path("livehook").path("healthcheck").path("test");
        assertThat(test.get(0).asText()).isEqualTo("CMD");
        List<String> command = new ArrayList<>(inImage());
        for (int i = 1; i < test.size(); i++) {
            command.add(test.get(i).asText());
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(imageEnv());
        builder.environment().put("LIVEHOOK_PORT", Integer.toString(port));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static void awaitRoom(HttpClient http, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String rooms = "";
        while (System.nanoTime() < deadline && !rooms.contains("RM_image")) {
            rooms = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/rooms")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Thread.sleep(100);
        }
        assertThat(rooms).as("the event was processed into state").contains("RM_image");
    }

    private static Map<String, String> imageEnv() {
        Map<String, String> env = new HashMap<>();
        for (JsonNode entry : config.get("Env")) {
            String[] pair = entry.asText().split("=", 2);
            env.put(pair[0], pair[1]);
        }
        return env;
    }

    /**
     * The image's entrypoint with {@code args} in place of its command, in a private mount namespace (its
     * /proc mount ends with it) under chroot as the image's user.
     */
    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>(inImage());
        config.get("Entrypoint").forEach(arg -> command.add(arg.asText()));
        command.addAll(List.of(args));
        return command;
    }

    /** What runs the command that follows it inside the image. */
    private static List<String> inImage() {
        // The tools by their full paths: the environment, PATH included, is the image's. Each one execs the next,
        // so that a signal to this process reaches livehook.
        return List.of(tool("unshare"), "--mount",
                tool("sh"), "-c", "mount=$1 chroot=$2 root=$3 user=$4; shift 4; "
                        + "\"$mount\" -t proc proc \"$root/proc\" && exec \"$chroot\" --userspec=\"$user\" \"$root\" \"$@\"",
                "sh", tool("mount"), tool("chroot"), root.toString(), config.get("User").asText());
    }

    private static String tool(String name) {
        for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new IllegalStateException(name + " not found");
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s: %s", command, output).isZero();
    }
}
