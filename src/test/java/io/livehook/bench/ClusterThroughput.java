package io.livehook.bench;

import com.sun.management.OperatingSystemMXBean;
import io.livehook.config.LivehookConfig;
import io.livehook.deliver.Outbox;
import io.livehook.log.EventLog;
import io.livehook.log.FileEventLog;
import io.livehook.log.KafkaEventLog;
import io.livehook.process.Processor;
import io.livehook.state.StateLocation;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import io.livehook.state.TestPostgres;
import io.livehook.testing.KafkaTestCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Processing throughput of one backlog (the rooms of {@code bench/state-throughput}) on the embedded setup (the
 * file log into SQLite) against the scale-out one (a Kafka topic into PostgreSQL) with one and with two
 * processors sharing the partitions, as two livehooks would. Kafka (one broker) and PostgreSQL 17 run on this
 * machine: the broker in this JVM, so the Kafka rows' CPU includes the broker's reads; PostgreSQL in processes of
 * its own, so its CPU is not counted. Prints events/s and CPU µs per event per setup and run (after a warm-up
 * run, w), then the medians and each setup's ratio to the embedded one. Not a test:
 * {@code bench/cluster-throughput [events] [runs]}.
 */
public final class ClusterThroughput {
    private static final int PARTITIONS = 12;

    private ClusterThroughput() {}

    private record Figures(double eventsPerSecond, double cpuMicrosPerEvent) {}

    public static void main(String[] args) throws Exception {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("cluster-throughput");
        String topic = KafkaTestCluster.uniqueTopic("bench");
        var kafka = new LivehookConfig.Kafka(KafkaTestCluster.bootstrapServers(), topic, topic + ".q", PARTITIONS,
                Optional.empty(), LivehookConfig.Kafka.APPEND_TIMEOUT, LivehookConfig.Kafka.CONNECT_TIMEOUT, Map.of());
        Map<String, List<Figures>> results = new LinkedHashMap<>();
        try (FileEventLog file = new FileEventLog(dir.resolve("events.log"));
                KafkaEventLog topicLog = KafkaEventLog.open(kafka, 1 << 20)) {
            int logged = StateThroughput.backlog(file, events);
            StateThroughput.backlog(topicLog, events);
            System.out.printf("backlog: %d events in the file log and in a %d-partition topic; load average %.2f%n",
                    logged, PARTITIONS, RepeatedRuns.loadAverage());
            System.out.println("setup                     run  events/s  CPU µs/event");
            for (int run = 0; run <= runs; run++) {
                Map<String, Figures> round = new LinkedHashMap<>();
                round.put("file log + SQLite", measure(List.of(file),
                        StateLocation.sqlite(dir.resolve("state-" + run + ".db"))));
                round.put("Kafka + PostgreSQL, 1", measure(List.of(topicLog),
                        TestPostgres.location(TestPostgres.newDatabase())));
                try (KafkaEventLog second = KafkaEventLog.open(kafka, 1 << 20)) {
                    round.put("Kafka + PostgreSQL, 2", measure(List.of(topicLog, second),
                            TestPostgres.location(TestPostgres.newDatabase())));
                }
                for (var entry : round.entrySet()) {
                    if (run > 0) {
                        results.computeIfAbsent(entry.getKey(), k -> new ArrayList<>()).add(entry.getValue());
                    }
                    System.out.printf("%-25s %3s  %8.0f  %12.1f%n", entry.getKey(), run == 0 ? "w" : run,
                            entry.getValue().eventsPerSecond(), entry.getValue().cpuMicrosPerEvent());
                }
            }
            double base = RepeatedRuns.median(results.get("file log + SQLite").stream()
                    .mapToDouble(Figures::eventsPerSecond).toArray());
            results.forEach((setup, figures) -> {
                double perSecond = RepeatedRuns.median(
                        figures.stream().mapToDouble(Figures::eventsPerSecond).toArray());
                double cpu = RepeatedRuns.median(figures.stream().mapToDouble(Figures::cpuMicrosPerEvent).toArray());
                System.out.printf("%-25s med  %8.0f  %12.1f  (%.2f × the embedded setup)%n", setup, perSecond, cpu,
                        perSecond / base);
            });
            System.out.printf("load average %.2f%n", RepeatedRuns.loadAverage());
        }
        System.exit(0); // the broker and the embedded PostgreSQL stop with the JVM
    }

    /** Processors (one per log client, each its own member) on a fresh state until the backlog is applied. */
    private static Figures measure(List<EventLog> logs, StateLocation location) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<StateStore> stores = new ArrayList<>();
        List<Processor> processors = new ArrayList<>();
        try {
            long cpuBefore = os.getProcessCpuTime();
            long started = System.nanoTime();
            for (int i = 0; i < logs.size(); i++) {
                StateStore store = StateStore.open(location);
                stores.add(store);
                Processor processor = new Processor(logs.get(i), store, 4, Clock.systemUTC(), new SimpleMeterRegistry(),
                        Outbox.NONE, 0, "bench-" + i);
                processors.add(processor);
                processor.start();
            }
            long total = 0;
            for (int p = 0; p < logs.get(0).partitions(); p++) {
                total += logs.get(0).head(p);
            }
            StateQueries queries = new StateQueries(stores.get(0), Clock.systemUTC());
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (queries.eventCount() < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(location.describe() + " did not catch up");
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long cpu = os.getProcessCpuTime() - cpuBefore;
            return new Figures(total / seconds, cpu / 1e3 / total);
        } finally {
            processors.forEach(Processor::close);
            stores.forEach(StateStore::close);
        }
    }
}
