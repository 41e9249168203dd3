package io.livehook.bench.chaos;

import io.livehook.testing.LivehookProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged livehook as a child process on 127.0.0.1, on a data directory that outlives it. */
final class Target implements AutoCloseable {
    static final String KEY = "APIchaos";
    static final String SECRET = "chaos-secret-0123456789abcdef0123456789";

    final Path jar;
    final Path dataDir;
    final Path output;
    final LivehookProcess process;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private Target(Path jar, Path dataDir, Path output, LivehookProcess process) {
        this.jar = jar;
        this.dataDir = dataDir;
        this.output = output;
        this.process = process;
    }

    /**
     * Starts {@code java -jar <jar> serve}; with {@code openFiles} > 0 the child's open-file limit is lowered to
     * that first ({@code ulimit -n}).
     */
    static Target start(Path jar, Path dataDir, Path output, int openFiles, Map<String, String> env) throws IOException {
        int port = LivehookProcess.freePort();
        String java = LivehookProcess.javaBinary();
        List<String> command = new ArrayList<>();
        if (openFiles > 0) {
            command.addAll(List.of("bash", "-c", "ulimit -n " + openFiles + " && exec \"$0\" \"$@\"", java));
        } else {
            command.add(java);
        }
        command.addAll(List.of("-Xmx512m", "-jar", jar.toString(), "serve"));
        Map<String, String> all = new java.util.HashMap<>(Map.of(
                "LIVEKIT_API_KEY", KEY,
                "LIVEKIT_API_SECRET", SECRET,
                "LIVEHOOK_PORT", Integer.toString(port),
                "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dataDir.toString()));
        all.putAll(env);
        return new Target(jar, dataDir, output, LivehookProcess.start(command, all, port, output));
    }

    static Target start(Path jar, Path dataDir, Path output) throws IOException {
        return start(jar, dataDir, output, 0, Map.of());
    }

    int port() {
        return process.port();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    Target awaitReady(Duration timeout) throws InterruptedException {
        process.awaitOk("/readyz", timeout);
        return this;
    }

    /**
     * The status of GET {@code path} on a new connection (a kept-alive one would get through a flood that new
     * ones cannot), or -1 when there is no answer within the timeout.
     */
    int status(String path, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return status.startsWith("HTTP/1.1 ") ? Integer.parseInt(status.substring(9, 12)) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The status of GET {@code path} on this target's kept-alive client connection, or -1. */
    int statusKeptAlive(String path, Duration timeout) {
        try {
            return http.send(HttpRequest.newBuilder(uri(path)).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Polls until GET {@code path} answers {@code status}; how long that took, or null on timeout. */
    Duration awaitStatus(String path, int status, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        while (System.nanoTime() - start < timeout.toNanos()) {
            if (status(path, Duration.ofSeconds(1)) == status) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(100);
        }
        return null;
    }

    /** The ids of open dead letters, through the API with {@code token}. */
    List<String> openDeadLetters(String token) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/api/dead-letters?status=open&limit=500"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /api/dead-letters answered " + response.statusCode() + ": " + response.body());
        }
        List<String> ids = new ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).path("dead_letters")
                .forEach(letter -> ids.add(letter.path("event_id").asText()));
        return ids;
    }

    void retryDeadLetters(String token, List<String> ids) throws IOException, InterruptedException {
        String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(Map.of("event_ids", ids));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/api/dead-letters/retry"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("POST /api/dead-letters/retry answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    /** A value from /metrics (the first series of that name), or NaN. */
    double metric(String name) {
        try {
            String text = http.send(HttpRequest.newBuilder(uri("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE)
                    .matcher(text);
            return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** Waits until processing has applied everything in the log. */
    boolean awaitProcessed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (metric("livehook_process_lag_events") == 0.0) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    int kill() throws InterruptedException {
        return process.kill();
    }

    /** SIGTERM, and the exit value once it has stopped. */
    int stop() throws InterruptedException {
        return process.stop(Duration.ofSeconds(60));
    }

    /** Waits for the process to exit by itself; its exit value, or null if it still runs. */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.process().exitValue()
                : null;
    }

    List<String> outputLines() {
        try {
            return Files.exists(output) ? Files.readAllLines(output) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code java -jar <jar> args...} to its end: exit value and output. */
    static Ran run(Path jar, Path output, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(LivehookProcess.javaBinary(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("livehook " + String.join(" ", args) + " did not finish");
        }
        return new Ran(p.exitValue(), Files.readString(output));
    }

    record Ran(int exit, String output) {}

    @Override
    public void close() {
        process.close();
    }
}
