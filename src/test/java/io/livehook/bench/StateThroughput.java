package io.livehook.bench;

import com.sun.management.OperatingSystemMXBean;
import io.livehook.ingest.EventHeader;
import io.livehook.log.EventLog;
import io.livehook.log.FileEventLog;
import io.livehook.log.IncomingEvent;
import io.livehook.log.Origin;
import io.livehook.process.Processor;
import io.livehook.process.Replay;
import io.livehook.state.StateLocation;
import io.livehook.state.StateQueries;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Processing throughput of one backlog into a fresh state store on each database: the same event log (rooms
 * whose participants join, publish, unpublish and leave), the same processor with 4 lanes, SQLite in a file
 * beside the log and PostgreSQL 17 started in this JVM (loopback, fsync as configured by default). Prints
 * events/s and the process's CPU time per event for each database and run (after a first run, w, that warms the
 * JIT up and is not counted), then the medians. Not a test:
 * {@code bench/state-throughput [events] [runs] [sqlite,postgresql,replay] [rooms|joins]}; {@code replay} is what
 * {@code livehook replay} runs: a rebuild of a SQLite state from the log; {@code joins} is ingest-load's traffic.
 */
public final class StateThroughput {
    private StateThroughput() {}

    private record Figures(double eventsPerSecond, double cpuMicrosPerEvent, double seconds) {}

    public static void main(String[] args) throws Exception {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> databases = Arrays.asList((args.length > 2 ? args[2] : "sqlite,postgresql").split(","));
        boolean joins = args.length > 3 && args[3].equals("joins");
        Path dir = Files.createTempDirectory("state-throughput");
        Map<String, List<Figures>> results = new LinkedHashMap<>();
        try (FileEventLog log = new FileEventLog(dir.resolve("events.log"))) {
            int logged = joins ? joins(log, events) : backlog(log, events);
            System.out.printf("backlog: %d events in %s; load average %.2f%n", logged, dir, RepeatedRuns.loadAverage());
            System.out.println("database     run  events/s  CPU µs/event   seconds");
            for (int run = 0; run <= runs; run++) {
                for (String database : databases) {
                    Figures figures = switch (database) {
                        case "sqlite" -> measure(log, StateLocation.sqlite(dir.resolve("state-" + run + ".db")));
                        case "postgresql" -> measure(log, TestPostgres.location(TestPostgres.newDatabase()));
                        case "replay" -> replay(log, StateLocation.sqlite(dir.resolve("replayed-" + run + ".db")));
                        default -> throw new IllegalArgumentException("sqlite, postgresql or replay, not " + database);
                    };
                    if (run > 0) { // run 0 warms the JIT up, and is shown but not counted
                        results.computeIfAbsent(database, d -> new ArrayList<>()).add(figures);
                    }
                    System.out.printf("%-12s %3s  %8.0f  %12.1f  %8.1f%n", database, run == 0 ? "w" : run,
                            figures.eventsPerSecond(), figures.cpuMicrosPerEvent(), figures.seconds());
                }
            }
            results.forEach((database, figures) -> System.out.printf("%-12s med  %8.0f  %12.1f%n", database,
                    RepeatedRuns.median(figures.stream().mapToDouble(Figures::eventsPerSecond).toArray()),
                    RepeatedRuns.median(figures.stream().mapToDouble(Figures::cpuMicrosPerEvent).toArray())));
            System.out.printf("load average %.2f%n", RepeatedRuns.loadAverage());
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0); // the embedded PostgreSQL stops with the JVM
    }

    /**
     * CPU is the whole process's, this JVM's threads only: the embedded PostgreSQL runs in processes of its own,
     * so its figure is livehook's side alone.
     */
    private static Figures measure(FileEventLog log, StateLocation location) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (StateStore store = StateStore.open(location)) {
            long cpuBefore = os.getProcessCpuTime();
            long started = System.nanoTime();
            try (Processor processor = new Processor(log, store, 4, Clock.systemUTC(), new SimpleMeterRegistry())) {
                processor.start();
                if (!processor.awaitCaughtUp(Duration.ofMinutes(30))) {
                    throw new IllegalStateException(location.describe() + " did not catch up");
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long cpu = os.getProcessCpuTime() - cpuBefore;
            long applied = new StateQueries(store, Clock.systemUTC()).eventCount();
            return new Figures(applied / seconds, cpu / 1e3 / applied, seconds);
        }
    }

    /** What {@code livehook replay} does after opening the log: a rebuild of the SQLite state beside the live one. */
    private static Figures replay(FileEventLog log, StateLocation location) throws Exception {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long started = System.nanoTime();
        long applied = Replay.rebuild(log, location, 4, Clock.systemUTC(), Duration.ofMinutes(30));
        double seconds = (System.nanoTime() - started) / 1e9;
        long cpu = os.getProcessCpuTime() - cpuBefore;
        return new Figures(applied / seconds, cpu / 1e3 / applied, seconds);
    }


    /**
     * About {@code events} webhooks of rooms of 10 participants each, appended as ingest would: rooms at once
     * from 16 threads, so that the log's group commit syncs many per write, each room's events in order.
     */
    static int backlog(EventLog log, int events) throws Exception {
        int rooms = (events + 41) / 42;
        AtomicInteger appended = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int room = 0; room < rooms; room++) {
                List<String> bodies = room(room);
                done.add(pool.submit(() -> {
                    for (String body : bodies) {
                        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                        EventHeader header = EventHeader.read(bytes);
                        log.append(new IncomingEvent(header.eventId(), header.eventType(), header.queueKey(), bytes,
                                Instant.now(), "APIkey", Origin.LIVEKIT));
                        appended.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        return appended.get();
    }

    /**
     * {@code bench/ingest-load}'s webhooks: participant_joined in 500 rooms that nobody leaves, so that every room
     * has more people in it with each event (what presence is counted over).
     */
    private static int joins(FileEventLog log, int events) throws Exception {
        Instant now = Instant.now();
        for (int i = 0; i < events; i++) {
            byte[] bytes = IngestLoad.body(i, now).getBytes(StandardCharsets.UTF_8);
            EventHeader header = EventHeader.read(bytes);
            log.append(new IncomingEvent(header.eventId(), header.eventType(), header.queueKey(), bytes, now, "APIkey",
                    Origin.LIVEKIT));
        }
        return events;
    }

    /** A room's 42 webhooks: started, 10 participants joining, publishing, unpublishing and leaving, finished. */
    private static List<String> room(int room) {
        long t0 = Instant.parse("2026-02-17T18:00:00Z").getEpochSecond();
        List<String> bodies = new ArrayList<>();
        String rs = "\"room\":{\"sid\":\"RM_" + room + "\",\"name\":\"room-" + room + "\",\"creationTime\":\"" + t0
                + "\"}";
        bodies.add("{\"event\":\"room_started\",\"id\":\"EV_" + room + "_rs\",\"createdAt\":\"" + t0 + "\"," + rs + "}");
        for (int p = 0; p < 10; p++) {
            String who = "\"participant\":{\"sid\":\"PA_" + room + "_" + p + "\",\"identity\":\"user-" + p
                    + "\",\"state\":\"ACTIVE\",\"joinedAt\":\"" + (t0 + p) + "\"}";
            String track = "\"track\":{\"sid\":\"TR_" + room + "_" + p + "\",\"type\":\"AUDIO\",\"source\":\"MICROPHONE\"}";
            String id = "EV_" + room + "_" + p;
            bodies.add("{\"event\":\"participant_joined\",\"id\":\"" + id + "j\",\"createdAt\":\"" + (t0 + p) + "\","
                    + rs + "," + who + "}");
            bodies.add("{\"event\":\"track_published\",\"id\":\"" + id + "p\",\"createdAt\":\"" + (t0 + p) + "\","
                    + rs + "," + who + "," + track + "}");
            bodies.add("{\"event\":\"track_unpublished\",\"id\":\"" + id + "u\",\"createdAt\":\"" + (t0 + 60) + "\","
                    + rs + "," + who + "," + track + "}");
            bodies.add("{\"event\":\"participant_left\",\"id\":\"" + id + "l\",\"createdAt\":\"" + (t0 + 60) + "\","
                    + rs + "," + who + "}");
        }
        bodies.add("{\"event\":\"room_finished\",\"id\":\"EV_" + room + "_rf\",\"createdAt\":\"" + (t0 + 99) + "\","
                + rs + "}");
        return bodies;
    }
}
