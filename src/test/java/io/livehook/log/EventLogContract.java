package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every event log promises, whatever holds it. Offsets are per partition, dense from 1 in append order;
 * a log with one partition puts every event in partition 0, and one with several puts each queue key's events
 * in one of them.
 */
@Timeout(60)
abstract class EventLogContract {
    private static final Instant RECEIVED = Instant.parse("2026-02-17T18:11:47.123Z");

    @TempDir
    Path dir;

    Path file;
    EventLog log;

    /** The log's file (or the name it is made from) in {@code dir}. */
    abstract Path fileIn(Path dir);

    abstract EventLog open(Path file);

    /**
     * A log that cannot take a write of more than about {@code kib} KiB: a file log whose disk is full at that
     * size, a Kafka topic whose largest record is that size.
     */
    abstract EventLog openCapped(Path file, int kib);

    /** How many partitions the logs {@link #open} makes have; the embedded logs have one. */
    int partitions() {
        return 1;
    }

    /**
     * Whether a log reopened on the same place still knows the ids appended before, so that a retry is a
     * duplicate. Where it does not (Kafka), the retry is stored again, and processing applies it once.
     */
    boolean remembersIdsAcrossReopen() {
        return true;
    }

    @BeforeEach
    void open() {
        file = fileIn(dir.resolve("data"));
        log = open(file);
    }

    @AfterEach
    void close() {
        log.close();
    }

    private static IncomingEvent event(String id, String body) {
        return event(id, body.getBytes(StandardCharsets.UTF_8));
    }

    private static IncomingEvent event(String id, byte[] body) {
        return event(id, body, "room-" + id.hashCode() % 7);
    }

    private static IncomingEvent event(String id, byte[] body, String queueKey) {
        return new IncomingEvent(id, "participant_joined", queueKey, body, RECEIVED, "APIkey", Origin.LIVEKIT);
    }

    /** Every partition's events, partition by partition. */
    private List<LoggedEvent> readAll(int limit) {
        List<LoggedEvent> events = new ArrayList<>();
        for (int p = 0; p < log.partitions(); p++) {
            events.addAll(log.read(p, 0, limit));
        }
        return events;
    }

    private List<LoggedEvent> readAll() {
        return readAll(10_000);
    }

    private long[] heads() {
        long[] heads = new long[log.partitions()];
        for (int p = 0; p < heads.length; p++) {
            heads[p] = log.head(p);
        }
        return heads;
    }

    /** Each partition's appends have the offsets 1, 2, 3... in the order they were made, and its head is the last. */
    private void assertDenseFromOneInAppendOrder(List<Appended> appends) {
        Map<Integer, List<Long>> byPartition = new LinkedHashMap<>();
        for (Appended a : appends) {
            assertThat(a.partition()).isBetween(0, log.partitions() - 1);
            byPartition.computeIfAbsent(a.partition(), p -> new ArrayList<>()).add(a.offset());
        }
        for (int p = 0; p < log.partitions(); p++) {
            List<Long> offsets = byPartition.getOrDefault(p, List.of());
            assertThat(offsets).as("partition %d", p)
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, offsets.size()).boxed().toList());
            assertThat(log.head(p)).as("head of partition %d", p).isEqualTo(offsets.size());
        }
    }

    /** The events read are exactly these ids, in their order within each partition. */
    private static void assertIdsInAppendOrder(List<LoggedEvent> read, String... ids) {
        assertThat(read).extracting(LoggedEvent::eventId).containsExactlyInAnyOrder(ids);
        List<String> order = List.of(ids);
        Map<Integer, List<LoggedEvent>> byPartition = read.stream()
                .collect(Collectors.groupingBy(LoggedEvent::partition, LinkedHashMap::new, Collectors.toList()));
        byPartition.values().forEach(events -> {
            assertThat(events).extracting(LoggedEvent::offset).isSorted();
            assertThat(events).extracting(e -> order.indexOf(e.eventId())).isSorted();
        });
    }

    private static String body(String id) {
        return "{\"event\":\"participant_joined\", \"room\":{\"name\":\"Ёлка\"},\"participant\":{\"name\":\"Zoë 🎧\"},\"id\":\"" + id + "\"}";
    }

    @Test
    void appendThenReadBackByteExact() throws Exception {
        // Bytes that are not valid UTF-8 too: the log stores bytes, not text.
        byte[] raw = (body("EV_1") + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] notUtf8 = {'{', (byte) 0xff, (byte) 0xfe, 0, '}'};
        Appended first = log.append(new IncomingEvent("EV_1", "room_started", "Ёлка", raw, RECEIVED, "k1", Origin.LIVEKIT));
        Appended second = log.append(new IncomingEvent("EV_2", "egress_ended", "EG_1", notUtf8, RECEIVED.plusMillis(5), "k2",
                Origin.LIVEHOOK));

        assertThat(first.duplicate()).isFalse();
        assertThat(second.duplicate()).isFalse();
        assertDenseFromOneInAppendOrder(List.of(first, second));

        List<LoggedEvent> events = readAll();
        assertIdsInAppendOrder(events, "EV_1", "EV_2");
        LoggedEvent e1 = events.stream().filter(e -> e.eventId().equals("EV_1")).findFirst().orElseThrow();
        assertThat(e1.partition()).isEqualTo(first.partition());
        assertThat(e1.offset()).isEqualTo(first.offset());
        assertThat(e1.eventId()).isEqualTo("EV_1");
        assertThat(e1.eventType()).isEqualTo("room_started");
        assertThat(e1.queueKey()).isEqualTo("Ёлка");
        assertThat(e1.body()).isEqualTo(raw);
        assertThat(e1.receivedAt()).isEqualTo(RECEIVED);
        assertThat(e1.keyId()).isEqualTo("k1");
        assertThat(e1.origin()).isEqualTo(Origin.LIVEKIT);
        assertThat(e1.duplicates()).isZero();
        LoggedEvent e2 = events.stream().filter(e -> e.eventId().equals("EV_2")).findFirst().orElseThrow();
        assertThat(e2.partition()).isEqualTo(second.partition());
        assertThat(e2.offset()).isEqualTo(second.offset());
        assertThat(e2.body()).isEqualTo(notUtf8);
        assertThat(e2.origin()).isEqualTo(Origin.LIVEHOOK);
        assertThat(e2.receivedAt()).isEqualTo(RECEIVED.plusMillis(5));

        // Reads start after the offset given, in the partition given.
        assertThat(log.read(first.partition(), first.offset(), 10)).extracting(LoggedEvent::eventId)
                .containsExactlyElementsOf(first.partition() == second.partition() ? List.of("EV_2") : List.of());
        assertThat(log.read(first.partition(), 0, 1)).extracting(LoggedEvent::eventId).containsExactly("EV_1");
        assertThat(log.read(second.partition(), second.offset() - 1, 10)).extracting(LoggedEvent::eventId)
                .containsExactly("EV_2");
        assertThat(log.read(second.partition(), second.offset(), 10)).isEmpty();
        assertThat(log.partitions()).isEqualTo(partitions());
        assertThatThrownBy(() -> log.read(partitions(), 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.read(-1, 0, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oneQueueKeysEventsShareAPartitionInAppendOrder() throws Exception {
        List<String> ids = new ArrayList<>();
        Map<String, Integer> partitionOfKey = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            String id = "EV_k" + i;
            String key = "room-" + (i % 8);
            Appended appended = log.append(event(id, body(id).getBytes(StandardCharsets.UTF_8), key));
            assertThat(partitionOfKey.computeIfAbsent(key, k -> appended.partition())).as(key)
                    .isEqualTo(appended.partition());
            ids.add(id);
        }
        List<LoggedEvent> events = readAll();
        assertIdsInAppendOrder(events, ids.toArray(String[]::new));
        events.forEach(e -> assertThat(e.partition()).isEqualTo(partitionOfKey.get(e.queueKey())));
        if (partitions() > 1) {
            // Eight keys on several partitions: a log that put them all in one would not spread rooms at all.
            assertThat(new HashSet<>(partitionOfKey.values())).hasSizeGreaterThan(1);
        }
    }

    @Test
    void aDuplicateIdIsStoredOnceAndCounted() throws Exception {
        Appended original = log.append(event("EV_dup", body("EV_dup")));
        Appended again = log.append(event("EV_dup", body("EV_dup")));
        // A retry whose bytes differ (it should not happen) does not replace what was stored first.
        Appended different = log.append(event("EV_dup", "{\"id\":\"EV_dup\",\"event\":\"other\"}"));

        assertThat(original.duplicate()).isFalse();
        assertThat(again.duplicate()).isTrue();
        assertThat(different.duplicate()).isTrue();
        assertThat(again.offset()).isEqualTo(original.offset());
        assertThat(again.partition()).isEqualTo(original.partition());
        assertThat(different.offset()).isEqualTo(original.offset());
        assertThat(different.partition()).isEqualTo(original.partition());
        assertDenseFromOneInAppendOrder(List.of(original));

        List<LoggedEvent> events = readAll();
        assertThat(events).hasSize(1);
        assertThat(events.get(0).duplicates()).isEqualTo(2);
        assertThat(events.get(0).body()).isEqualTo(body("EV_dup").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void concurrentAppendsAreAllDurableWithDistinctDenseOffsets() throws Exception {
        int n = 200;
        List<Appended> results = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Appended>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = "EV_c" + i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return log.append(event(id, body(id)));
                }));
            }
            start.countDown();
            for (Future<Appended> f : futures) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
        }
        assertThat(results).noneMatch(Appended::duplicate);
        Set<List<Long>> places = results.stream().map(a -> List.of((long) a.partition(), a.offset()))
                .collect(Collectors.toSet());
        assertThat(places).hasSize(n);
        // Dense from 1 in every partition: each partition's offsets are 1 to its head.
        long total = 0;
        for (int p = 0; p < log.partitions(); p++) {
            int partition = p;
            assertThat(results.stream().filter(a -> a.partition() == partition).map(Appended::offset))
                    .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, log.head(p)).boxed().toList());
            total += log.head(p);
        }
        assertThat(total).isEqualTo(n);

        List<LoggedEvent> events = readAll(1000);
        assertThat(events).hasSize(n);
        for (int p = 0; p < log.partitions(); p++) {
            assertThat(log.read(p, 0, 1000)).extracting(LoggedEvent::offset).isSorted();
        }
        Set<String> ids = events.stream().map(LoggedEvent::eventId).collect(Collectors.toSet());
        assertThat(ids).hasSize(n);
        for (LoggedEvent e : events) {
            assertThat(new String(e.body(), StandardCharsets.UTF_8)).isEqualTo(body(e.eventId()));
        }

        // Durable: a fresh instance on the same file, after a clean close, sees every event.
        log.close();
        log = open(file);
        assertThat(readAll(1000)).extracting(LoggedEvent::eventId).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void quarantinedBodiesAreStoredAndListedNewestFirst() throws Exception {
        byte[] notJson = "this is not json \u00ff".getBytes(StandardCharsets.ISO_8859_1);
        byte[] noId = "{\"event\":\"room_started\"}".getBytes(StandardCharsets.UTF_8);
        log.quarantine(notJson, RECEIVED, "k1", "body is not valid JSON");
        log.quarantine(noId, RECEIVED.plusSeconds(1), "k2", "body has no \"id\"");

        List<QuarantinedBody> bodies = log.quarantined(10);
        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(0).body()).isEqualTo(noId);
        assertThat(bodies.get(0).keyId()).isEqualTo("k2");
        assertThat(bodies.get(0).reason()).isEqualTo("body has no \"id\"");
        assertThat(bodies.get(0).receivedAt()).isEqualTo(RECEIVED.plusSeconds(1));
        assertThat(bodies.get(1).body()).isEqualTo(notJson);
        assertThat(bodies.get(1).reason()).isEqualTo("body is not valid JSON");
        assertThat(log.quarantined(1)).hasSize(1);
        // Quarantine is not the event log.
        assertThat(readAll()).isEmpty();
        assertThat(heads()).containsOnly(0);

        log.close();
        log = open(file);
        assertThat(log.quarantined(10)).extracting(QuarantinedBody::reason)
                .containsExactly("body has no \"id\"", "body is not valid JSON");
    }

    @Test
    void reopenedLogHasItsDataAndHeadAndContinuesAfterIt() throws Exception {
        List<Appended> appends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            appends.add(log.append(event("EV_r" + i, body("EV_r" + i))));
        }
        long[] heads = heads();
        log.close();

        log = open(file);
        assertThat(heads()).isEqualTo(heads);
        assertDenseFromOneInAppendOrder(appends);
        assertIdsInAppendOrder(readAll(), "EV_r0", "EV_r1", "EV_r2", "EV_r3", "EV_r4");
        Appended retry = log.append(event("EV_r2", body("EV_r2")));
        if (remembersIdsAcrossReopen()) {
            assertThat(retry).isEqualTo(new Appended(appends.get(2).partition(), appends.get(2).offset(), true));
        } else {
            assertThat(retry.duplicate()).isFalse();
            assertThat(retry.partition()).isEqualTo(appends.get(2).partition());
            assertThat(retry.offset()).isEqualTo(heads[retry.partition()] + 1);
        }
        // New events continue after the old head.
        long[] before = heads();
        Appended next = log.append(event("EV_r5", body("EV_r5")));
        assertThat(next.offset()).isEqualTo(before[next.partition()] + 1);
        assertThat(log.head(next.partition())).isEqualTo(next.offset());
    }

    @Test
    void appendAfterCloseIsUnavailableNotAHang() {
        log.close();
        IncomingEvent e = event("EV_late", body("EV_late"));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThatThrownBy(() -> log.append(e)).isInstanceOf(LogUnavailableException.class);
            assertThatThrownBy(() -> log.quarantine(new byte[] {1}, RECEIVED, "k", "x"))
                    .isInstanceOf(LogUnavailableException.class);
        });
    }

    @Test
    void closeLetsAcceptedAppendsFinishAndFailsTheRestCleanly() throws Exception {
        int n = 300;
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
        Set<Throwable> unexpected = ConcurrentHashMap.newKeySet();
        CountDownLatch someDone = new CountDownLatch(20);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    String id = "EV_s" + i;
                    pool.submit(() -> {
                        try {
                            log.append(event(id, body(id)));
                            acknowledged.add(id);
                        } catch (LogUnavailableException e) {
                            refused.add(id);
                        } catch (Throwable t) {
                            unexpected.add(t);
                        } finally {
                            someDone.countDown();
                        }
                    });
                }
                someDone.await();
                log.close();
            }
        });
        assertThat(unexpected).isEmpty();
        assertThat(acknowledged.size() + refused.size()).isEqualTo(n);
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(20);

        log = open(file);
        Set<String> stored = readAll().stream().map(LoggedEvent::eventId).collect(Collectors.toSet());
        // Every acknowledged append is on disk. (A refused one may be too: its commit and the refusal can race,
        // which is safe, since LiveKit retries a refused event and the retry is a duplicate.)
        assertThat(stored).containsAll(acknowledged);
    }

    @Test
    void aFullDiskIsUnavailableNotAHang() throws Exception {
        log.close();
        log = openCapped(fileIn(dir.resolve("small")), 4);
        byte[] big = new byte[64 * 1024];
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThatThrownBy(() -> log.append(event("EV_big", big)))
                    .isInstanceOf(LogUnavailableException.class)
                    .hasMessageContaining("cannot write");
        });
        assertThat(readAll()).isEmpty();
        assertThat(heads()).containsOnly(0);
        // And it keeps answering (with an error) rather than wedging the writer.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> log.append(event("EV_big2", big))).isInstanceOf(LogUnavailableException.class);
            }
        });
    }

    @Test
    void fullDiskFailsOnlyWhatDoesNotFit() throws Exception {
        log.close();
        // Room for some small events but not for a large one.
        log = openCapped(fileIn(dir.resolve("small")), 160);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Appended small = log.append(event("EV_small", body("EV_small")));
            assertThat(small.duplicate()).isFalse();
            assertThatThrownBy(() -> log.append(event("EV_huge", new byte[1 << 20])))
                    .isInstanceOf(LogUnavailableException.class);
            assertThat(log.append(event("EV_small2", body("EV_small2"))).duplicate()).isFalse();
        });
        assertIdsInAppendOrder(readAll(), "EV_small", "EV_small2");
    }

    @Test
    void aWriteThatBreaksTheWriterFailsAloneAndLaterAppendsWork() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            IncomingEvent broken = new IncomingEvent("EV_broken", "room_started", "r", new byte[] {'{', '}'}, null, "k",
                    Origin.LIVEKIT);
            assertThatThrownBy(() -> log.append(broken)).isInstanceOf(LogUnavailableException.class);
            assertThat(log.append(event("EV_fine", body("EV_fine"))).duplicate()).isFalse();
        });
        assertThat(readAll()).extracting(LoggedEvent::eventId).containsExactly("EV_fine");
    }

    @Test
    void awaitAfterWakesOnAppend() throws Exception {
        // One queue key's events share a partition: the first shows which.
        int partition = log.append(event("EV_w0", body("EV_w0").getBytes(StandardCharsets.UTF_8), "room-w")).partition();
        long head = log.head(partition);
        Thread appender = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
                log.append(event("EV_w", body("EV_w").getBytes(StandardCharsets.UTF_8), "room-w"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long start = System.nanoTime();
        boolean woke = log.awaitAfter(partition, head, Duration.ofSeconds(10));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        appender.join();
        assertThat(woke).isTrue();
        assertThat(waitedMs).isBetween(150L, 5_000L);
        assertThat(log.head(partition)).isGreaterThan(head);
        // Already past: returns at once.
        assertThat(log.awaitAfter(partition, head, Duration.ZERO)).isTrue();
    }

    @Test
    void awaitAfterTimesOutWhenNothingComes() throws Exception {
        int partition = log.append(event("EV_a", body("EV_a"))).partition();
        long head = log.head(partition);
        long start = System.nanoTime();
        boolean woke = log.awaitAfter(partition, head, Duration.ofMillis(300));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(woke).isFalse();
        assertThat(waitedMs).isGreaterThanOrEqualTo(290L);
        // A duplicate does not move the head, so it does not wake a reader either.
        Thread dup = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(100);
                log.append(event("EV_a", body("EV_a")));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertThat(log.awaitAfter(partition, head, Duration.ofMillis(500))).isFalse();
        dup.join();
    }

    @Test
    void closeWakesWaitingReaders() throws Exception {
        long head = log.head(0);
        Thread closer = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            log.close();
        });
        long start = System.nanoTime();
        assertThat(log.awaitAfter(0, head, Duration.ofSeconds(20))).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000L);
        closer.join();
    }

    @Test
    void manyDuplicatesInOneBatchAreCountedExactly() throws Exception {
        int n = 100;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Appended>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> log.append(event("EV_same", body("EV_same")))));
            }
            Set<Long> offsets = new HashSet<>();
            int originals = 0;
            for (Future<Appended> f : futures) {
                Appended a = f.get(30, TimeUnit.SECONDS);
                offsets.add(a.offset());
                originals += a.duplicate() ? 0 : 1;
            }
            assertThat(originals).isEqualTo(1);
            assertThat(offsets).hasSize(1);
        }
        List<LoggedEvent> events = readAll();
        assertThat(events).hasSize(1);
        assertThat(events.get(0).duplicates()).isEqualTo(n - 1);
    }
}
