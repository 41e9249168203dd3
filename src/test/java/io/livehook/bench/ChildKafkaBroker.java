package io.livehook.bench;

import io.livehook.testing.KafkaTestCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * A Kafka broker in a JVM of its own, on loopback, so that a benchmark's CPU figures are livehook's alone and the
 * broker's are counted apart. It stops when its parent closes its input (or dies).
 */
final class ChildKafkaBroker implements AutoCloseable {
    private static final String READY = "kafka-broker-ready ";

    private final Process process;
    private final String bootstrapServers;

    private ChildKafkaBroker(Process process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    static ChildKafkaBroker start() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow"); // see the pom's jdk24 profile
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildKafkaBroker.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith(READY)) {
            // the broker's own start-up lines
        }
        if (line == null) {
            process.destroyForcibly();
            throw new IOException("the Kafka broker's JVM ended its output before it was ready");
        }
        Thread.ofPlatform().daemon().name("kafka-broker-output").start(() -> {
            try {
                while (out.readLine() != null) {
                    // drained, so that the broker never blocks on a full pipe
                }
            } catch (IOException ignored) {
                // the broker is gone
            }
        });
        return new ChildKafkaBroker(process, line.substring(READY.length()));
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** CPU time the broker's JVM has used so far. */
    Duration cpu() {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) throws IOException {
        KafkaClusterTestKit cluster = KafkaTestCluster.startPrivate();
        System.out.println(READY + cluster.bootstrapServers());
        System.out.flush();
        while (System.in.read() != -1) {
            // runs until the parent closes this input
        }
        KafkaTestCluster.close(cluster);
    }
}
