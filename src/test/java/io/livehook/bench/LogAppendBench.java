package io.livehook.bench;

import io.livehook.log.EventLog;
import io.livehook.log.FileEventLog;
import io.livehook.config.LivehookConfig;
import io.livehook.log.IncomingEvent;
import io.livehook.log.KafkaEventLog;
import io.livehook.log.LogUnavailableException;
import io.livehook.log.Origin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable appends of distinct participant_joined events from 16 threads at once, so that group commit
 * batches them as under load: the append-only file log against the SQLite log it replaced, and against a Kafka
 * topic (12 partitions, one broker in a JVM of its own on loopback), in the same run. Also prints the process's
 * CPU time per append, which is what a log takes from ingest on a busy machine (for Kafka, the broker's apart).
 * Run with {@code bench/jmh LogAppend}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(16)
@Fork(1)
public class LogAppendBench {
    private final AtomicLong sequence = new AtomicLong();

    @Param({"file", "kafka"})
    public String log;

    private Path dir;
    private ChildKafkaBroker broker;
    private EventLog eventLog;
    private Instant now;
    private long cpuAtStart;
    private Duration brokerCpuAtStart;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("livehook-log-bench-");
        eventLog = switch (log) {
            case "file" -> new FileEventLog(dir.resolve("events.log"));
            case "kafka" -> {
                broker = ChildKafkaBroker.start();
                yield KafkaEventLog.open(LivehookConfig.Kafka.at(broker.bootstrapServers()), 1 << 20);
            }
            default -> throw new IllegalArgumentException("no log called " + log);
        };
        now = Instant.now();
        cpuAtStart = processCpuNanos();
        brokerCpuAtStart = broker == null ? Duration.ZERO : broker.cpu();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        // Throughput is bounded by the sync's latency; what the log costs ingest is CPU, printed per append
        // (warm-up included).
        System.out.printf("%nfile log: %.1f µs of CPU per append, all threads included%n",
                (processCpuNanos() - cpuAtStart) / 1000.0 / sequence.get());
        eventLog.close();
        if (broker != null) {
            System.out.printf("%s log: and %.1f µs of the broker's CPU per append%n", log,
                    broker.cpu().minus(brokerCpuAtStart).toNanos() / 1000.0 / sequence.get());
            broker.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public long append() throws LogUnavailableException {
        long n = sequence.incrementAndGet();
        byte[] body = IngestLoad.body(n, now).getBytes(StandardCharsets.UTF_8);
        return eventLog.append(new IncomingEvent("EV_" + n, "participant_joined", "room-" + (n % 500), body, now,
                "APIbench", Origin.LIVEKIT)).offset();
    }
}
