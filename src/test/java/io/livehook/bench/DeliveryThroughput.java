package io.livehook.bench;

import com.sun.management.OperatingSystemMXBean;
import io.livehook.config.ConfigLoader;
import io.livehook.config.DestinationConfig;
import io.livehook.deliver.DeliveryService;
import io.livehook.deliver.Outbox;
import io.livehook.ingest.EventHeader;
import io.livehook.log.FileEventLog;
import io.livehook.log.IncomingEvent;
import io.livehook.log.Origin;
import io.livehook.process.Processor;
import io.livehook.state.Delivery;
import io.livehook.state.StateLocation;
import io.livehook.state.StateStore;
import io.livehook.state.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Delivery throughput from a backlog: {@code events} participant_joined webhooks over 500 rooms are logged and
 * processed into a fresh state (SQLite file or embedded PostgreSQL), which queues one delivery each for one
 * destination; then the delivery service starts and the time until every delivery is delivered is measured.
 * The receiver runs in a process of its own ({@link BaselineServer}: 200 at once). Prints one line:
 * {@code RESULT database events/s cpu-µs/event seconds}. Not a test: {@code bench/delivery-throughput} runs it for
 * this build and a baseline build, several times, and prints the medians.
 *
 * <p>Arguments: events, database ({@code sqlite} or {@code postgresql}), the receiver's URL, concurrency.
 */
public final class DeliveryThroughput {
    private static final int ROOMS = 500;

    private DeliveryThroughput() {}

    public static void main(String[] args) throws Exception {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        int events = Integer.parseInt(args[0]);
        String database = args[1];
        String url = args[2];
        int concurrency = Integer.parseInt(args[3]);
        Path dir = Files.createTempDirectory("delivery-throughput");
        try {
            Path yaml = Files.writeString(dir.resolve("livehook.yaml"), """
                    destinations:
                      - name: bench
                        url: %s
                        concurrency: %d
                    """.formatted(url, concurrency));
            List<DestinationConfig> destinations = new ConfigLoader(Map.of("LIVEKIT_API_KEY", "APIkey",
                    "LIVEKIT_API_SECRET", "a-secret-of-at-least-thirty-two-characters", "LIVEHOOK_DATA_DIR",
                    dir.resolve("data").toString())).load(Optional.of(yaml), false).destinations();
            StateLocation location = switch (database) {
                case "sqlite" -> StateLocation.sqlite(dir.resolve("state.db"));
                case "postgresql" -> TestPostgres.location(TestPostgres.newDatabase());
                default -> throw new IllegalArgumentException("sqlite or postgresql, not " + database);
            };
            try (FileEventLog log = new FileEventLog(dir.resolve("events.log"));
                    StateStore store = StateStore.open(location)) {
                fill(log, events);
                try (Processor processor = new Processor(log, store, 4, Clock.systemUTC(), new SimpleMeterRegistry(),
                        new Outbox(destinations, () -> {}), 0)) {
                    processor.start();
                    if (!processor.awaitCaughtUp(Duration.ofMinutes(30))) {
                        throw new IllegalStateException("processing did not catch up");
                    }
                }
                OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                try (DeliveryService delivery = new DeliveryService(destinations, store, log, Clock.systemUTC(),
                        new SimpleMeterRegistry())) {
                    long pending = delivery.store().count("bench", Delivery.PENDING);
                    if (pending != events) {
                        throw new IllegalStateException(pending + " deliveries queued, not " + events);
                    }
                    long cpuBefore = os.getProcessCpuTime();
                    long started = System.nanoTime();
                    delivery.start();
                    long deadline = started + Duration.ofMinutes(30).toNanos();
                    while (delivery.store().count("bench", Delivery.DELIVERED) < events) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("not delivered in 30 minutes");
                        }
                        Thread.sleep(100);
                    }
                    double seconds = (System.nanoTime() - started) / 1e9;
                    long cpu = os.getProcessCpuTime() - cpuBefore;
                    System.out.printf("RESULT %s %.0f %.1f %.1f%n", database, events / seconds, cpu / 1e3 / events,
                            seconds);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0); // the embedded PostgreSQL stops with the JVM
    }

    /** Appends as ingest would: rooms from 16 threads at once (the log's group commit), each room's events in order. */
    private static void fill(FileEventLog log, int events) throws Exception {
        Instant now = Instant.now();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int thread = 0; thread < 16; thread++) {
                int t = thread;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < events; i++) {
                        if (i % ROOMS % 16 == t) {
                            byte[] bytes = IngestLoad.body(i, now).getBytes(StandardCharsets.UTF_8);
                            EventHeader header = EventHeader.read(bytes);
                            log.append(new IncomingEvent(header.eventId(), header.eventType(), header.queueKey(), bytes,
                                    now, "APIkey", Origin.LIVEKIT));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
    }
}
