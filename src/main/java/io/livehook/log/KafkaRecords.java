package io.livehook.log;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;

/**
 * How an event and a quarantined body are kept in Kafka: the value is the exact body received, the key the
 * queue key, and the rest are headers of UTF-8 text, readable with Kafka's own console tools. A log offset is
 * the Kafka offset plus one, so that offsets are dense from 1 in each partition as in the file log.
 */
final class KafkaRecords {
    static final String EVENT_ID = "event_id";
    static final String EVENT_TYPE = "event_type";
    static final String QUEUE_KEY = "queue_key";
    static final String RECEIVED_AT = "received_at";
    static final String KEY_ID = "key_id";
    static final String ORIGIN = "origin";
    static final String REASON = "reason";

    private KafkaRecords() {}

    /**
     * The partition of a queue key: the hash Kafka's default partitioner uses, computed here so that partitions
     * added to the topic later cannot move a room's events to another partition halfway through.
     */
    static int partitionOf(String queueKey, int partitions) {
        return Utils.toPositive(Utils.murmur2(queueKey.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    static ProducerRecord<byte[], byte[]> event(String topic, int partitions, IncomingEvent e) {
        Objects.requireNonNull(e.body(), "body");
        Headers headers = new RecordHeaders()
                .add(EVENT_ID, text(e.eventId(), EVENT_ID))
                .add(EVENT_TYPE, text(e.eventType(), EVENT_TYPE))
                .add(QUEUE_KEY, text(e.queueKey(), QUEUE_KEY))
                .add(RECEIVED_AT, text(Objects.requireNonNull(e.receivedAt(), RECEIVED_AT).toString(), RECEIVED_AT))
                .add(KEY_ID, text(e.keyId(), KEY_ID))
                .add(ORIGIN, text(Objects.requireNonNull(e.origin(), ORIGIN).label(), ORIGIN));
        // No timestamp of livehook's: Kafka stamps the record when it is sent. Retention counts from that stamp,
        // so an event must not carry its own (a correction or a test may date an event days back).
        return new ProducerRecord<>(topic, partitionOf(e.queueKey(), partitions), null,
                e.queueKey().getBytes(StandardCharsets.UTF_8), e.body(), headers);
    }

    static ProducerRecord<byte[], byte[]> quarantine(String topic, byte[] body, Instant receivedAt, String keyId,
            String reason) {
        Objects.requireNonNull(body, "body");
        Headers headers = new RecordHeaders()
                .add(RECEIVED_AT, text(Objects.requireNonNull(receivedAt, RECEIVED_AT).toString(), RECEIVED_AT))
                .add(KEY_ID, text(keyId, KEY_ID))
                .add(REASON, text(reason, REASON));
        return new ProducerRecord<>(topic, 0, null, null, body, headers);
    }

    static LoggedEvent loggedEvent(ConsumerRecord<byte[], byte[]> r, long duplicates) {
        return new LoggedEvent(r.partition(), r.offset() + 1, header(r, EVENT_ID), header(r, EVENT_TYPE),
                header(r, QUEUE_KEY), r.value(), Instant.parse(header(r, RECEIVED_AT)), header(r, KEY_ID),
                Origin.fromLabel(header(r, ORIGIN)), duplicates);
    }

    static QuarantinedBody quarantined(ConsumerRecord<byte[], byte[]> r) {
        return new QuarantinedBody(r.offset() + 1, r.value(), Instant.parse(header(r, RECEIVED_AT)),
                header(r, KEY_ID), header(r, REASON));
    }

    private static byte[] text(String value, String name) {
        return Objects.requireNonNull(value, name).getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header header = r.headers().lastHeader(name);
        if (header == null || header.value() == null) {
            throw new IllegalStateException("the record at offset " + r.offset() + " of " + r.topic() + "-"
                    + r.partition() + " has no " + name + " header: it was not written by livehook");
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
