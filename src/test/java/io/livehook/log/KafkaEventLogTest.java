package io.livehook.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.config.LivehookConfig;
import io.livehook.testing.KafkaTestCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Kafka log: the contract on a real broker in this JVM, and what only a shared, remote log has. */
class KafkaEventLogTest extends EventLogContract {
    private static final int PARTITIONS = 3;

    @Override
    Path fileIn(Path dir) {
        return dir.resolve(KafkaTestCluster.uniqueTopic("events"));
    }

    @Override
    EventLog open(Path file) {
        return KafkaEventLog.open(settings(file.getFileName().toString()), 1 << 20);
    }

    @Override
    EventLog openCapped(Path file, int kib) {
        KafkaTestCluster.createTopic(KafkaTestCluster.bootstrapServers(), file.getFileName().toString(), PARTITIONS,
                Map.of("max.message.bytes", Integer.toString(kib * 1024)));
        return open(file);
    }

    @Override
    int partitions() {
        return PARTITIONS;
    }

    @Override
    boolean remembersIdsAcrossReopen() {
        return false;
    }

    private static LivehookConfig.Kafka settings(String topic) {
        return settings(KafkaTestCluster.bootstrapServers(), topic, Duration.ofSeconds(5), Duration.ofSeconds(30),
                Map.of());
    }

    private static LivehookConfig.Kafka settings(String servers, String topic, Duration appendTimeout,
            Duration connectTimeout, Map<String, String> properties) {
        return new LivehookConfig.Kafka(servers, topic, topic + ".quarantine", PARTITIONS, Optional.empty(),
                appendTimeout, connectTimeout, properties);
    }

    private String topic() {
        return file.getFileName().toString();
    }

    private static IncomingEvent incoming(String id, String queueKey) {
        byte[] body = ("{\"event\":\"room_started\",\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
        return new IncomingEvent(id, "room_started", queueKey, body, Instant.parse("2026-03-01T10:00:00.123456Z"),
                "APIkey", Origin.LIVEKIT);
    }

    private static KafkaConsumer<byte[], byte[]> plainConsumer() {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestCluster.bootstrapServers());
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestCluster.bootstrapServers());
        return Admin.create(properties);
    }

    @Test
    void anEventIsAPlainKafkaRecordThatOtherToolsCanRead() throws Exception {
        IncomingEvent event = incoming("EV_plain", "Ёлка");
        Appended appended = log.append(event);

        // The partition Kafka's own default partitioner gives the key: other producers of this topic agree.
        assertThat(appended.partition()).isEqualTo(BuiltInPartitioner.partitionForKey(
                "Ёлка".getBytes(StandardCharsets.UTF_8), PARTITIONS));
        try (KafkaConsumer<byte[], byte[]> consumer = plainConsumer()) {
            TopicPartition tp = new TopicPartition(topic(), appended.partition());
            consumer.assign(List.of(tp));
            consumer.seek(tp, appended.offset() - 1);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).records(tp).forEach(records::add);
            }
            assertThat(records).isNotEmpty();
            ConsumerRecord<byte[], byte[]> record = records.get(0);
            assertThat(record.offset()).isEqualTo(appended.offset() - 1);
            assertThat(record.value()).isEqualTo(event.body());
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("Ёлка");
            // Stamped when sent, not when received: retention counts from the stamp, and received_at may be old.
            assertThat(record.timestamp()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
            Map<String, String> headers = new HashMap<>();
            record.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
            assertThat(headers).containsExactlyInAnyOrderEntriesOf(Map.of("event_id", "EV_plain",
                    "event_type", "room_started", "queue_key", "Ёлка", "received_at", "2026-03-01T10:00:00.123456Z",
                    "key_id", "APIkey", "origin", "livekit"));
        }
    }

    @Test
    void theTopicsAreMadeWithTheirPartitionsAndAnExistingTopicMustMatch() throws Exception {
        try (Admin admin = admin()) {
            var topics = admin.describeTopics(List.of(topic(), topic() + ".quarantine")).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            assertThat(topics.get(topic()).partitions()).hasSize(PARTITIONS);
            assertThat(topics.get(topic() + ".quarantine").partitions()).hasSize(1);
        }
        String other = KafkaTestCluster.uniqueTopic("two");
        KafkaTestCluster.createTopic(KafkaTestCluster.bootstrapServers(), other, 2, Map.of());
        assertThatThrownBy(() -> KafkaEventLog.open(settings(other), 1 << 20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka topic " + other + " has 2 partitions where kafka.partitions asks for 3")
                .hasMessageContaining("set kafka.partitions to 2, or kafka.topic to a new topic's name");
    }

    @Test
    void anUnreachableClusterIsAClearErrorWithinTheConnectTimeoutAndNoSecretIsInIt() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String servers = "127.0.0.1:" + port;
        String secret = "pw-7f3a9c1e-never-printed";
        var settings = settings(servers, "events", Duration.ofSeconds(5), Duration.ofSeconds(2), Map.of(
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"livehook\" password=\"" + secret + "\";"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> KafkaEventLog.open(settings, 1 << 20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach Kafka at " + servers + " within 2000 ms (kafka.connect_timeout_ms)")
                .hasMessageContaining("LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS")
                .satisfies(e -> assertThat(e.toString()).doesNotContain(secret));
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
    }

    @Test
    @Timeout(120) // a broker of its own, stopped and started again
    void anAppendTheBrokerDoesNotAcknowledgeFailsInTimeAndTheLogGoesOnOnceTheBrokerIsBack() throws Exception {
        KafkaClusterTestKit cluster = KafkaTestCluster.startPrivate();
        try (EventLog own = KafkaEventLog.open(settings(cluster.bootstrapServers(), KafkaTestCluster.uniqueTopic("down"),
                Duration.ofMillis(1500), Duration.ofSeconds(30), Map.of()), 1 << 20)) {
            Appended first = own.append(incoming("EV_before", "room-down"));
            BrokerServer broker = cluster.brokers().values().iterator().next();
            broker.shutdown();
            broker.awaitShutdown();

            long start = System.nanoTime();
            assertThatThrownBy(() -> own.append(incoming("EV_unacked", "room-down")))
                    .isInstanceOf(LogUnavailableException.class)
                    .hasMessageStartingWith("event log cannot write");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000L);
            assertThat(own.head(first.partition())).isEqualTo(first.offset());

            broker.startup();
            // The producer gave up on that record and goes on: LiveKit's retry of the refused event is stored now.
            Appended retried = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (retried == null && System.nanoTime() < deadline) {
                try {
                    retried = own.append(incoming("EV_unacked", "room-down"));
                } catch (LogUnavailableException stillDown) {
                    Thread.sleep(200);
                }
            }
            assertThat(retried).isNotNull();
            assertThat(retried.duplicate()).isFalse();
            own.append(incoming("EV_after", "room-down"));
            assertThat(own.read(first.partition(), 0, 10)).extracting(LoggedEvent::eventId)
                    .containsExactly("EV_before", "EV_unacked", "EV_after");
        } finally {
            KafkaTestCluster.close(cluster);
        }
    }

    @Test
    void whatAnotherLivehookAppendsWakesThisOnesReaders() throws Exception {
        int partition = log.append(incoming("EV_first", "room-shared")).partition();
        try (EventLog other = open(file)) {
            long head = other.head(partition);
            assertThat(head).isEqualTo(1);
            Thread appender = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(200);
                    log.append(incoming("EV_second", "room-shared"));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(other.awaitAfter(partition, head, Duration.ofSeconds(20))).isTrue();
            appender.join();
            assertThat(other.read(partition, head, 10)).extracting(LoggedEvent::eventId).containsExactly("EV_second");
        }
    }

    /**
     * Delivery on one livehook reads the body of an event another appended (and a third applied) at once: the
     * place the state gives is read even before this one has seen the partition's new end.
     */
    @Test
    void anEventAnotherLivehookAppendedIsReadAtItsPlaceAtOnce() throws Exception {
        try (EventLog other = open(file)) {
            for (int i = 0; i < 20; i++) {
                String id = "EV_elsewhere" + i;
                Appended at = log.append(incoming(id, "room-" + i));
                assertThat(other.read(at.partition(), at.offset(), id)).as("read where it was appended, at once")
                        .get().extracting(LoggedEvent::eventId).isEqualTo(id);
            }
            Appended last = log.append(incoming("EV_named", "room-named"));
            assertThat(other.read(last.partition(), last.offset(), "EV_another")).as("a different event there")
                    .isEmpty();
        }
    }

    @Test
    void readsOfSingleEventsAlongsideFollowingReadersAllGetTheirOwnEvents() throws Exception {
        int n = 300;
        Map<String, Appended> places = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = "EV_m" + i;
            places.put(id, log.append(incoming(id, "room-" + (i % 10))));
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> work = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                work.add(pool.submit(() -> {
                    // A follower, as processing reads: small batches, each after the last.
                    long cursor = 0;
                    while (cursor < log.head(partition)) {
                        List<LoggedEvent> batch = log.read(partition, cursor, 7);
                        assertThat(batch).isNotEmpty();
                        assertThat(batch.get(0).offset()).isEqualTo(cursor + 1);
                        cursor = batch.get(batch.size() - 1).offset();
                    }
                    return null;
                }));
            }
            List<String> ids = new ArrayList<>(places.keySet());
            for (int t = 0; t < 6; t++) {
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
                        Appended at = places.get(id);
                        assertThat(log.read(at.partition(), at.offset() - 1, 1)).extracting(LoggedEvent::eventId)
                                .containsExactly(id);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }
}
