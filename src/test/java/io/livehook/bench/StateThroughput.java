package io.livehook.bench;

import io.livehook.ingest.EventHeader;
import io.livehook.log.FileEventLog;
import io.livehook.log.IncomingEvent;
import io.livehook.log.Origin;
import io.livehook.process.Processor;
import io.livehook.state.StateLocation;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import io.livehook.state.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Processing throughput of one backlog into a fresh state store on each database: the same event log (rooms
 * whose participants join, publish, unpublish and leave), the same processor with 4 lanes, SQLite in a file
 * beside the log and PostgreSQL 17 started in this JVM (loopback, fsync as configured by default). Prints
 * events/s per database and run. Not a test: {@code bench/state-throughput [events] [runs]}.
 */
public final class StateThroughput {
    private StateThroughput() {}

    public static void main(String[] args) throws Exception {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("state-throughput");
        try (FileEventLog log = new FileEventLog(dir.resolve("events.log"))) {
            int logged = backlog(log, events);
            System.out.printf("backlog: %d events in %s%n", logged, dir);
            System.out.println("database     run  events/s   seconds");
            for (int run = 1; run <= runs; run++) {
                measure("sqlite", run, log, StateLocation.sqlite(dir.resolve("state-" + run + ".db")));
                measure("postgresql", run, log, TestPostgres.location(TestPostgres.newDatabase()));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0); // the embedded PostgreSQL stops with the JVM
    }

    private static void measure(String name, int run, FileEventLog log, StateLocation location) throws Exception {
        try (StateStore store = StateStore.open(location)) {
            long started = System.nanoTime();
            try (Processor processor = new Processor(log, store, 4, Clock.systemUTC(), new SimpleMeterRegistry())) {
                processor.start();
                if (!processor.awaitCaughtUp(Duration.ofMinutes(30))) {
                    throw new IllegalStateException(name + " did not catch up");
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long applied = new StateQueries(store, Clock.systemUTC()).eventCount();
            System.out.printf("%-12s %3d  %8.0f  %8.1f%n", name, run, applied / seconds, seconds);
        }
    }

    /**
     * About {@code events} webhooks of rooms of 10 participants each, appended as ingest would: rooms at once
     * from 16 threads, so that the log's group commit syncs many per write, each room's events in order.
     */
    private static int backlog(FileEventLog log, int events) throws Exception {
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
