package io.livehook.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.cluster.Leases;
import io.livehook.config.LivehookConfig;
import io.livehook.deliver.Outbox;
import io.livehook.ingest.EventHeader;
import io.livehook.log.Appended;
import io.livehook.log.IncomingEvent;
import io.livehook.log.KafkaEventLog;
import io.livehook.log.Origin;
import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.state.StateSql;
import io.livehook.state.StateStore;
import io.livehook.state.TestPostgres;
import io.livehook.testing.KafkaTestCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two processors, as in two livehook processes, on one Kafka topic (each with its own client) and one
 * PostgreSQL state: they split the partitions, apply every event once though each was logged twice (LiveKit
 * sends every webhook to every ingest URL), hand partitions over when one stops, and one that lost a partition
 * commits nothing more for it.
 */
@Timeout(120)
class SharedProcessingTest {
    private static final int PARTITIONS = 4;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private String url;
    private LivehookConfig.Kafka kafka;

    @BeforeEach
    void setUp() {
        TestPostgres.quiet();
        url = TestPostgres.newDatabase();
        String topic = KafkaTestCluster.uniqueTopic("shared-processing");
        kafka = new LivehookConfig.Kafka(KafkaTestCluster.bootstrapServers(), topic, topic + ".quarantine",
                PARTITIONS, java.util.Optional.empty(), LivehookConfig.Kafka.APPEND_TIMEOUT,
                LivehookConfig.Kafka.CONNECT_TIMEOUT, java.util.Map.of());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    /** One process's parts: its own Kafka client, its own pool on the shared database, its processor. */
    private final class Node {
        final KafkaEventLog log = open(KafkaEventLog.open(kafka, 1 << 20));
        final StateStore store = open(StateStore.open(TestPostgres.location(url)));
        final Processor processor;

        Node(String member) {
            processor = open(new Processor(log, store, 2, Clock.systemUTC(), new SimpleMeterRegistry(), Outbox.NONE,
                    0, member));
            processor.start();
        }

        Appended append(Obj body) {
            try {
                EventHeader header = EventHeader.read(body.bytes());
                return log.append(new IncomingEvent(header.eventId(), header.eventType(), header.queueKey(),
                        body.bytes(), Instant.now(), "APIkey", Origin.LIVEKIT));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private <T extends AutoCloseable> T open(T resource) {
        opened.add(resource);
        return resource;
    }

    private static void await(String what, Duration within, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for: %s", what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Whether it applied all it holds of what the log has now. */
    private static boolean caughtUp(Processor processor) {
        try {
            return processor.awaitCaughtUp(Duration.ZERO);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<List<Obj>> rooms(String prefix, int count) {
        List<List<Obj>> rooms = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            rooms.add(ProcessorTest.roomStream("RM_" + prefix + r, prefix + "-" + r, 3));
        }
        return rooms;
    }

    @Test
    void twoProcessorsSplitThePartitions_applyEachEventOnce_andTheSurvivorTakesAllOver() throws Exception {
        Node a = new Node("a");
        Node b = new Node("b");
        await("both hold a fair share", Duration.ofSeconds(15), () -> a.processor.ownedPartitions().size() == 2
                && b.processor.ownedPartitions().size() == 2);
        assertThat(a.processor.ownedPartitions()).doesNotContainAnyElementsOf(b.processor.ownedPartitions());

        List<List<Obj>> first = rooms("first", 12);
        int events = 0;
        for (List<Obj> room : first) {
            for (Obj event : room) {
                a.append(event); // both ingest URLs get every webhook, and both log it
                b.append(event);
                events++;
            }
        }
        int expected = events;
        await("every event applied", Duration.ofSeconds(60),
                () -> StateSql.count(a.store, "SELECT count(*) FROM events") == expected
                        && caughtUp(a.processor) && caughtUp(b.processor));
        assertThat(StateSql.count(a.store, "SELECT count(*) FROM events")).isEqualTo(expected);
        assertThat(StateSql.count(a.store, "SELECT count(*) FROM rooms WHERE status = 'finished'"))
                .isEqualTo(12);
        assertThat(StateSql.sessions(a.store)).hasSize(36)
                .allMatch(s -> "participant_left".equals(s.endSource()));
        assertThat(StateSql.anomalies(a.store)).as("each room applied in its order, once").isEmpty();

        a.processor.close();
        await("the survivor holds every partition", Duration.ofSeconds(15),
                () -> b.processor.ownedPartitions().size() == PARTITIONS);
        for (List<Obj> room : rooms("second", 8)) {
            room.forEach(b::append);
        }
        int more = expected + 8 * ProcessorTest.roomStream("x", "x", 3).size();
        await("the rooms after the hand-over applied", Duration.ofSeconds(60),
                () -> StateSql.count(b.store, "SELECT count(*) FROM events") == more);
        await("caught up", Duration.ofSeconds(30), () -> caughtUp(b.processor));
        assertThat(StateSql.sessions(b.store)).hasSize(36 + 24)
                .allMatch(s -> "participant_left".equals(s.endSource()));
        assertThat(StateSql.anomalies(b.store)).isEmpty();
    }

    @Test
    void aProcessorThatLostAPartitionCommitsNothingMoreForIt() throws Exception {
        Node a = new Node("a");
        await("it holds every partition", Duration.ofSeconds(15),
                () -> a.processor.ownedPartitions().size() == PARTITIONS);
        // Another process takes partition 0 while this one still believes it holds it (a pause, a cut-off).
        a.store.inTransaction(tx -> tx.claim(Processor.CONSUMER, 0, "thief", Long.MAX_VALUE,
                System.currentTimeMillis() + 600_000));
        Set<String> inZero = new HashSet<>();
        Set<String> elsewhere = new HashSet<>();
        for (List<Obj> room : rooms("late", 12)) {
            for (Obj event : room) {
                String id = EventHeader.read(event.bytes()).eventId();
                (a.append(event).partition() == 0 ? inZero : elsewhere).add(id);
            }
        }
        assertThat(inZero).isNotEmpty();
        assertThat(elsewhere).isNotEmpty();
        await("the other partitions' events applied", Duration.ofSeconds(60), () -> StateSql.count(a.store,
                "SELECT count(*) FROM events WHERE log_partition <> 0") == elsewhere.size());
        Thread.sleep(Leases.RENEW_EVERY.multipliedBy(2).toMillis());
        assertThat(StateSql.count(a.store, "SELECT count(*) FROM events WHERE log_partition = 0"))
                .as("nothing of the partition taken over").isZero();
        assertThat(a.processor.ownedPartitions()).doesNotContain(0);
        assertThat(StateSql.count(a.store, "SELECT log_offset FROM checkpoints WHERE consumer = ? AND "
                + "log_partition = 0", Processor.CONSUMER)).as("nor its checkpoint").isZero();
    }
}
