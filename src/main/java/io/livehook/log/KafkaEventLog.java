package io.livehook.log;

import io.livehook.config.LivehookConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log on a Kafka topic, for livehooks that share one log or keep it off their own disk. An append
 * is answered only once every in-sync replica has the event ({@code acks=all}, idempotent producer, and the
 * send's own result checked: a producer's flush can return while a batch was lost). A queue key's events all
 * go to one partition, so a room's order holds. Log offsets are Kafka offsets plus one (dense from 1 in each
 * partition); quarantined bodies go to a topic of their own with one partition.
 *
 * <p>Append-time dedupe is best effort: ids this process appended in the last 12 to 24 hours are answered with
 * the original's place, and duplicate counts are what this process saw since it started. Processing dedupes
 * by event id for good, so a retry that reaches another livehook, or this one after a restart, is stored
 * again and applied once.
 */
public final class KafkaEventLog implements EventLog {
    private static final Logger log = LoggerFactory.getLogger(KafkaEventLog.class);
    /** How often the partitions' ends are looked up, for events other livehooks append. */
    private static final Duration WATCH_EVERY = Duration.ofMillis(100);
    /** How long a read may wait for records the log is known to hold. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** A look-up of the ends slower than this counts as Kafka not answering, for readiness. */
    private static final Duration WATCH_TIMEOUT = Duration.ofSeconds(3);
    /** Room for the headers and Kafka's own framing next to the largest body ingest takes. */
    private static final int RECORD_OVERHEAD_BYTES = 64 * 1024;
    /** Kafka's default largest record, for brokers and producers alike. */
    private static final int KAFKA_DEFAULT_MAX_RECORD_BYTES = 1_048_588;
    /** Readers beyond one per partition, for reads of single events. */
    private static final int SPARE_READERS = 4;
    /** A place in the recent ids is the partition above an offset of up to 40 bits (a trillion events). */
    private static final int OFFSET_BITS = 40;

    private final LivehookConfig.Kafka settings;
    private final Admin admin;
    private final Producer<byte[], byte[]> producer;
    private final KafkaReaders readers;
    private final LogHead[] heads;
    private final TopicPartition quarantinePartition;
    private final Object idLock = new Object();
    private final RecentIds recentIds = new RecentIds(System.currentTimeMillis());
    /** Appends sent and not yet answered, by event id: a retry arriving meanwhile waits for the original. */
    private final Map<String, CompletableFuture<Appended>> inFlight = new HashMap<>();
    private final DuplicateCounts duplicateCounts = new DuplicateCounts();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread watcher;
    /** Why the last append failed, until one succeeds; why the ends cannot be looked up, until they can. */
    private volatile String appendProblem;
    private volatile String watchProblem;

    private KafkaEventLog(LivehookConfig.Kafka settings, Admin admin, Producer<byte[], byte[]> producer,
            KafkaReaders readers, long[] ends) {
        this.settings = settings;
        this.admin = admin;
        this.producer = producer;
        this.readers = readers;
        this.heads = new LogHead[ends.length];
        for (int p = 0; p < ends.length; p++) {
            heads[p] = new LogHead(ends[p]);
        }
        this.quarantinePartition = new TopicPartition(settings.quarantineTopic(), 0);
        this.watcher = Thread.ofPlatform().daemon().name("kafka-log-ends").unstarted(this::watchEnds);
    }

    /**
     * Connects, creates the topics when they are missing, and checks the events topic's partition count.
     * Throws {@link IllegalStateException} with a message for a person (never a secret) when Kafka cannot be
     * reached within the connect timeout or the topic does not fit the settings.
     */
    public static KafkaEventLog open(LivehookConfig.Kafka settings, long maxBodyBytes) {
        int maxRecordBytes = (int) Math.max(KAFKA_DEFAULT_MAX_RECORD_BYTES, maxBodyBytes + RECORD_OVERHEAD_BYTES);
        Admin admin;
        try {
            admin = Admin.create(clientProperties(settings, "admin"));
        } catch (KafkaException e) {
            throw failure(settings, e);
        }
        KafkaReaders readers = null;
        Producer<byte[], byte[]> producer = null;
        try {
            long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
            answer(admin.describeCluster().nodes(), deadline);
            Map<String, String> topicConfig = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxRecordBytes));
            ensureTopic(admin, settings, settings.topic(), settings.partitions(), topicConfig, "kafka.partitions",
                    deadline);
            ensureTopic(admin, settings, settings.quarantineTopic(), 1, topicConfig, null, deadline);
            long[] ends = ends(admin, settings.topic(), settings.partitions(), deadline);
            producer = new KafkaProducer<>(producerProperties(settings, maxRecordBytes), new ByteArraySerializer(),
                    new ByteArraySerializer());
            producer.partitionsFor(settings.topic()); // the first webhook need not wait for the topic's metadata
            Properties consumerProperties = consumerProperties(settings);
            readers = new KafkaReaders(() -> new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()), settings.partitions() + SPARE_READERS);
            KafkaEventLog eventLog = new KafkaEventLog(settings, admin, producer, readers, ends);
            eventLog.watcher.start();
            log.info("event log: Kafka topic {} ({} partitions), quarantine in {}, at {}", settings.topic(),
                    settings.partitions(), settings.quarantineTopic(), settings.bootstrapServers());
            return eventLog;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(admin, producer, readers);
            throw new IllegalStateException("interrupted while connecting to Kafka at " + settings.bootstrapServers());
        } catch (RuntimeException e) {
            closeQuietly(admin, producer, readers);
            throw e instanceof KafkaException ? failure(settings, e) : e;
        }
    }

    /** The admin call's answer, or its failure as a KafkaException (a timeout is one too). */
    private static <T> T answer(KafkaFuture<T> future, long deadline)
            throws InterruptedException {
        try {
            return future.get(left(deadline), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException(e);
        }
    }

    private static long left(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static IllegalStateException failure(LivehookConfig.Kafka settings, Throwable cause) {
        String check = "check kafka.bootstrap_servers (LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS), that the brokers are up, "
                + "and kafka.properties for TLS/SASL";
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new IllegalStateException("cannot reach Kafka at " + settings.bootstrapServers() + " within "
                    + settings.connectTimeout().toMillis() + " ms (kafka.connect_timeout_ms): " + check, cause);
        }
        return new IllegalStateException("cannot use Kafka at " + settings.bootstrapServers() + " for the event log: "
                + cause.getMessage() + "; " + check, cause);
    }

    /** Creates the topic if it is missing; an existing one must have the partitions the settings ask for. */
    private static void ensureTopic(Admin admin, LivehookConfig.Kafka settings, String topic, int partitions,
            Map<String, String> config, String partitionsSetting, long deadline) throws InterruptedException {
        Integer existing = partitionCount(admin, topic, deadline);
        if (existing == null) {
            try {
                answer(admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions),
                        settings.replicationFactor()).configs(config))).all(), deadline);
                log.info("created Kafka topic {} with {} partitions, replication {}", topic, partitions,
                        settings.replicationFactor().map(String::valueOf).orElse("the cluster's default"));
                return;
            } catch (TopicExistsException madeMeanwhile) {
                existing = partitionCount(admin, topic, deadline); // by another livehook: checked like any other
            }
        }
        if (existing != partitions) {
            throw new IllegalStateException("Kafka topic " + topic + " has " + existing + " partitions where "
                    + (partitionsSetting == null ? "livehook keeps its quarantine in one"
                            : partitionsSetting + " asks for " + partitions)
                    + ". A room's events must stay in one partition, so livehook never changes a topic's count: "
                    + (partitionsSetting == null ? "set kafka.quarantine_topic to a new topic's name."
                            : "set " + partitionsSetting + " to " + existing + ", or kafka.topic to a new topic's name."));
        }
    }

    /** The topic's partition count, or null when it does not exist. */
    private static Integer partitionCount(Admin admin, String topic, long deadline) throws InterruptedException {
        try {
            TopicDescription description = answer(admin.describeTopics(List.of(topic)).allTopicNames(), deadline)
                    .get(topic);
            return description.partitions().size();
        } catch (UnknownTopicOrPartitionException missing) {
            return null;
        }
    }

    private static long[] ends(Admin admin, String topic, int partitions, long deadline) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long[] ends = new long[partitions];
        while (true) {
            try {
                answer(admin.listOffsets(latest).all(), deadline)
                        .forEach((tp, info) -> ends[tp.partition()] = info.offset());
                return ends;
            } catch (RetriableException notYet) {
                // A topic made a moment ago may not have reached every broker's metadata, or its leaders, yet.
                if (left(deadline) == 0) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
    }

    private static Properties clientProperties(LivehookConfig.Kafka settings, String role) {
        Properties properties = new Properties();
        properties.putAll(settings.properties());
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        properties.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, "livehook-" + role);
        return properties;
    }

    /**
     * The producer gives up on a record when livehook gives up on its append: the 503 tells LiveKit to send it
     * again, so the record need not linger in the producer for minutes (and if it lands late, the retry is a
     * duplicate that processing absorbs). No linger, and one request in flight per broker: an append goes out at
     * once, the appends that come while a request is in flight go out together in the next one (the file log's
     * group commit), and a first request cannot be overtaken by a second, which on a partition the broker has
     * just created can lose the first (KAFKA-15591, fixed in Kafka 4.5).
     */
    private static Properties producerProperties(LivehookConfig.Kafka settings, int maxRecordBytes) {
        Properties properties = clientProperties(settings, "ingest");
        long timeoutMs = settings.appendTimeout().toMillis();
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        properties.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0");
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeoutMs));
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeoutMs));
        // Kafka wants room for the linger on top of one request; a record is still dropped soon after the 503.
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                Long.toString(timeoutMs + lingerMs(properties.getProperty(ProducerConfig.LINGER_MS_CONFIG))));
        properties.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRecordBytes));
        return properties;
    }

    /** A linger.ms Kafka would refuse anyway counts as 0 here; Kafka then says what is wrong with it. */
    private static long lingerMs(String value) {
        try {
            return Math.max(0, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Properties consumerProperties(LivehookConfig.Kafka settings) {
        Properties properties = clientProperties(settings, "read");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A read asks only for records known to be there, so the broker need not hold a fetch open waiting for more;
        // one it holds (sent ahead after the last read) would delay the next read that seeks elsewhere.
        properties.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        // Where retention removed the records asked for, the oldest ones left come instead.
        properties.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return properties;
    }

    @Override
    public Appended append(IncomingEvent event) throws LogUnavailableException {
        long deadline = System.nanoTime() + settings.appendTimeout().toNanos();
        ProducerRecord<byte[], byte[]> record;
        try {
            record = KafkaRecords.event(settings.topic(), heads.length, event);
        } catch (RuntimeException unwritable) {
            throw new LogUnavailableException("event log cannot write this event: " + unwritable, unwritable);
        }
        String id = event.eventId();
        CompletableFuture<Appended> mine = new CompletableFuture<>();
        CompletableFuture<Appended> earlier;
        long candidate;
        synchronized (idLock) {
            candidate = recentIds.candidate(id);
            earlier = candidate == 0 ? inFlight.putIfAbsent(id, mine) : null;
        }
        if (candidate != 0) {
            Appended original = stored(id, candidate, deadline);
            if (original != null) {
                return duplicateOf(original);
            }
            synchronized (idLock) { // two ids shared a hash: this one is new after all
                earlier = inFlight.putIfAbsent(id, mine);
            }
        }
        if (earlier != null) {
            return duplicateOf(await(earlier, deadline));
        }
        try {
            Appended appended = send(record, deadline);
            synchronized (idLock) {
                recentIds.add(id, place(appended.partition(), appended.offset()), System.currentTimeMillis());
                inFlight.remove(id);
            }
            mine.complete(appended);
            return appended;
        } catch (LogUnavailableException | RuntimeException e) {
            synchronized (idLock) {
                inFlight.remove(id);
            }
            mine.completeExceptionally(e);
            throw e;
        }
    }

    @Override
    public void quarantine(byte[] body, Instant receivedAt, String keyId, String reason)
            throws LogUnavailableException {
        long deadline = System.nanoTime() + settings.appendTimeout().toNanos();
        ProducerRecord<byte[], byte[]> record;
        try {
            record = KafkaRecords.quarantine(settings.quarantineTopic(), body, receivedAt, keyId, reason);
        } catch (RuntimeException unwritable) {
            throw new LogUnavailableException("event log cannot write this body: " + unwritable, unwritable);
        }
        send(record, deadline);
    }

    /**
     * Kafka not answering (an append not acknowledged, the ends not looked up within a few seconds) means webhooks
     * get 503 now or soon: readiness says so, so that a load balancer sends them to another livehook.
     */
    @Override
    public Optional<String> writeProblem() {
        String problem = appendProblem != null ? appendProblem : watchProblem;
        return Optional.ofNullable(problem);
    }

    /** Sends and waits for the broker's acknowledgement until the deadline; the place it acknowledged. */
    private Appended send(ProducerRecord<byte[], byte[]> record, long deadline) throws LogUnavailableException {
        try {
            Appended appended = sendOnce(record, deadline);
            appendProblem = null;
            return appended;
        } catch (LogUnavailableException e) {
            if (!closed.get()) {
                appendProblem = e.getMessage();
            }
            throw e;
        }
    }

    private Appended sendOnce(ProducerRecord<byte[], byte[]> record, long deadline) throws LogUnavailableException {
        if (closed.get()) {
            throw new LogUnavailableException("event log cannot write: it is closed");
        }
        Future<RecordMetadata> sent;
        try {
            sent = producer.send(record);
        } catch (RuntimeException e) { // closed meanwhile, or no metadata for the topic within max.block.ms
            throw new LogUnavailableException("event log cannot write: " + e.getMessage(), e);
        }
        RecordMetadata acknowledged;
        try {
            acknowledged = sent.get(left(deadline), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new LogUnavailableException("event log cannot write: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new LogUnavailableException("event log cannot write: Kafka at " + settings.bootstrapServers()
                    + " did not acknowledge within " + settings.appendTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("event log cannot write: interrupted", e);
        }
        long offset = acknowledged.offset() + 1;
        if (record.topic().equals(settings.topic())) {
            // Acknowledged by every in-sync replica, so readable, and so is everything before it.
            heads[acknowledged.partition()].advanceTo(offset);
        }
        return new Appended(acknowledged.partition(), offset, false);
    }

    private static Appended await(CompletableFuture<Appended> original, long deadline) throws LogUnavailableException {
        try {
            return original.get(left(deadline), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof LogUnavailableException u ? u
                    : new LogUnavailableException("event log cannot write: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new LogUnavailableException("event log cannot write: the first copy of this event was not "
                    + "acknowledged in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("event log cannot write: interrupted", e);
        }
    }

    /** The original's place if the event at {@code candidate} has this id (two ids can share a hash), else null. */
    private Appended stored(String eventId, long candidate, long deadline) throws LogUnavailableException {
        int partition = (int) (candidate >>> OFFSET_BITS);
        long offset = candidate & ((1L << OFFSET_BITS) - 1);
        try {
            return at(partition, offset, eventId, Duration.ofNanos(left(deadline))).isPresent()
                    ? new Appended(partition, offset, false) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("event log cannot check for a duplicate: interrupted", e);
        } catch (RuntimeException e) {
            throw new LogUnavailableException("event log cannot check for a duplicate: " + e.getMessage(), e);
        }
    }

    /**
     * Best effort: an event this process appended within its dedupe window. Another process's appends, and
     * this one's before a restart, are not known here (they are found once processing applied them).
     */
    @Override
    public Optional<LoggedEvent> find(String eventId) {
        long candidate;
        synchronized (idLock) {
            candidate = recentIds.candidate(eventId);
        }
        return candidate == 0 ? Optional.empty()
                : read((int) (candidate >>> OFFSET_BITS), candidate & ((1L << OFFSET_BITS) - 1), eventId);
    }

    private Appended duplicateOf(Appended original) {
        duplicateCounts.add(place(original.partition(), original.offset()));
        return new Appended(original.partition(), original.offset(), true);
    }

    private static long place(int partition, long offset) {
        return ((long) partition << OFFSET_BITS) | offset;
    }

    @Override
    public int partitions() {
        return heads.length;
    }

    @Override
    public List<LoggedEvent> read(int partition, long afterOffset, int limit) {
        requirePartition(partition);
        long from = Math.max(0, afterOffset); // log offset after+1 is Kafka offset after
        long until = heads[partition].get();
        if (from >= until || limit <= 0) {
            return List.of();
        }
        List<ConsumerRecord<byte[], byte[]>> records;
        try {
            records = readers.read(new TopicPartition(settings.topic(), partition), from, until, limit, READ_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the event log", e);
        }
        List<LoggedEvent> events = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            events.add(KafkaRecords.loggedEvent(record,
                    duplicateCounts.of(place(record.partition(), record.offset() + 1))));
        }
        return events;
    }

    /**
     * Where the state says an event is (delivery reads bodies this way): another livehook may have appended it after
     * this one last looked at the partition's end, so the read is bounded by the offset asked for, not by the head
     * known here, which would call a body there for all to see missing.
     */
    @Override
    public Optional<LoggedEvent> read(int partition, long offset, String eventId) {
        requirePartition(partition);
        try {
            return at(partition, offset, eventId, READ_TIMEOUT)
                    .map(r -> KafkaRecords.loggedEvent(r, duplicateCounts.of(place(partition, offset))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the event log", e);
        }
    }

    /** The record at the log's {@code offset} (Kafka's offset - 1) if it holds that event. */
    private Optional<ConsumerRecord<byte[], byte[]>> at(int partition, long offset, String eventId, Duration timeout)
            throws InterruptedException {
        if (offset < 1) {
            return Optional.empty();
        }
        List<ConsumerRecord<byte[], byte[]>> found = readers.read(new TopicPartition(settings.topic(), partition),
                offset - 1, offset, 1, timeout);
        return !found.isEmpty() && found.get(0).offset() == offset - 1
                && KafkaRecords.loggedEvent(found.get(0), 0).eventId().equals(eventId)
                ? Optional.of(found.get(0)) : Optional.empty();
    }

    @Override
    public long head(int partition) {
        requirePartition(partition);
        return heads[partition].get();
    }

    @Override
    public boolean awaitAfter(int partition, long offset, Duration timeout) throws InterruptedException {
        requirePartition(partition);
        return heads[partition].awaitAfter(offset, timeout);
    }

    @Override
    public List<QuarantinedBody> quarantined(int limit) {
        try {
            long[] bounds = readers.bounds(quarantinePartition, READ_TIMEOUT);
            long from = Math.max(bounds[0], bounds[1] - limit);
            if (from >= bounds[1]) {
                return List.of();
            }
            List<QuarantinedBody> bodies = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : readers.read(quarantinePartition, from, bounds[1], limit,
                    READ_TIMEOUT)) {
                bodies.add(KafkaRecords.quarantined(record));
            }
            Collections.reverse(bodies);
            return bodies;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the quarantine", e);
        }
    }

    private void requirePartition(int partition) {
        if (partition < 0 || partition >= heads.length) {
            throw new IllegalArgumentException("the event log has partitions 0 to " + (heads.length - 1) + ", not "
                    + partition);
        }
    }

    /** Moves the heads to the partitions' ends, for what other livehooks append; this one's appends move them at once. */
    private void watchEnds() {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < heads.length; p++) {
            latest.put(new TopicPartition(settings.topic(), p), OffsetSpec.latest());
        }
        boolean failing = false;
        while (!closed.get()) {
            try {
                Thread.sleep(WATCH_EVERY);
                var offsets = admin.listOffsets(latest).all().get(WATCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                offsets.forEach((tp, info) -> heads[tp.partition()].advanceTo(info.offset()));
                watchProblem = null;
                if (failing) {
                    log.info("Kafka at {} answers again", settings.bootstrapServers());
                    failing = false;
                }
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                if (!closed.get()) {
                    watchProblem = "Kafka at " + settings.bootstrapServers() + " does not answer: "
                            + (e instanceof TimeoutException ? "no answer within " + WATCH_TIMEOUT.toMillis() + " ms"
                                    : e instanceof ExecutionException ? e.getCause().getMessage() : e.toString());
                }
                if (!failing && !closed.get()) {
                    log.warn("cannot look up the ends of Kafka topic {} at {}: {} (retrying)", settings.topic(),
                            settings.bootstrapServers(), e instanceof ExecutionException ? e.getCause().getMessage()
                                    : e.toString());
                    failing = true;
                }
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (LogHead head : heads) {
            head.close();
        }
        watcher.interrupt();
        // Appends already sent finish (or fail) here; their callers get the producer's answer.
        producer.close(settings.appendTimeout());
        closeQuietly(admin, null, readers);
        try {
            watcher.join(READ_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Admin admin, Producer<?, ?> producer, KafkaReaders readers) {
        if (readers != null) {
            readers.close();
        }
        if (producer != null) {
            producer.close(Duration.ZERO);
        }
        admin.close(Duration.ZERO);
    }
}
