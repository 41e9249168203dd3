package io.livehook.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Java server run as its own OS process on 127.0.0.1 (the real livehook jar, or the benchmark's baseline),
 * with its output in a file. Readiness is polled over a raw socket so that no HTTP client library is needed.
 */
public final class LivehookProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path logFile;

    private LivehookProcess(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    /** {@code java -jar <jar> serve}, with LiveKit's key pair and livehook's settings in the environment. */
    public static LivehookProcess startJar(Path jar, String apiKey, String apiSecret, Path dataDir, Path logFile,
            List<String> jvmOptions) throws IOException {
        return startJar(jar, apiKey, apiSecret, dataDir, logFile, jvmOptions, freePort(), List.of());
    }

    /** The same on a given port (to start it again where it was), with more arguments to {@code serve}. */
    public static LivehookProcess startJar(Path jar, String apiKey, String apiSecret, Path dataDir, Path logFile,
            List<String> jvmOptions, int port, List<String> serveArguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "serve"));
        command.addAll(serveArguments);
        return start(command, Map.of(
                "LIVEKIT_API_KEY", apiKey,
                "LIVEKIT_API_SECRET", apiSecret,
                "LIVEHOOK_PORT", Integer.toString(port),
                "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dataDir.toString()), port, logFile);
    }

    /** Any command that serves HTTP on {@code port} (which it is told through its arguments or environment). */
    public static LivehookProcess start(List<String> command, Map<String, String> env, int port, Path logFile)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("LIVEKIT_") || k.startsWith("LIVEHOOK_"));
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        return new LivehookProcess(builder.start(), port, logFile);
    }

    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    /** Polls GET {@code path} until it answers 200; fails with the process's output if it dies or time runs out. */
    public void awaitOk(String path, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + output());
            }
            if (answersOk(path)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("server not ready on port " + port + " after " + timeout + ":\n" + output());
    }

    private boolean answersOk(String path) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] status = socket.getInputStream().readNBytes(12);
            return new String(status, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
        } catch (IOException e) {
            return false;
        }
    }

    public String output() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL (on Linux {@link Process#destroyForcibly()} sends signal 9); returns the exit value. */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("process survived SIGKILL");
        }
        return process.exitValue();
    }

    /** SIGTERM: livehook's shutdown hook closes it gracefully. Returns the exit value. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return kill();
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                stop(Duration.ofSeconds(15));
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
