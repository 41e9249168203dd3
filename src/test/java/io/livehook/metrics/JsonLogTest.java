package io.livehook.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.livekit.WebhookSigner;
import io.livehook.testing.LivehookFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Ingest and processing log lines, written by the same encoder {@code LIVEHOOK_LOG_FORMAT=json} uses (Logstash's),
 * carry the event id, queue key and outcome as top-level JSON fields, and never a token or a secret.
 */
class JsonLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> STANDARD_FIELDS = Set.of("@timestamp", "@version", "message",
            "logger_name", "thread_name", "level", "level_value", "stack_trace");

    @TempDir
    Path dataDir;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private OutputStreamAppender<ILoggingEvent> appender;
    private Logger rootLogger;
    private Logger livehookLogger;
    private Level previousLevel;

    @BeforeEach
    void captureJsonLogs() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        encoder.start();
        appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(captured);
        appender.start();
        // Everything that reaches the root logger (Helidon included, at its configured level), with
        // livehook's own loggers down to DEBUG so the per-event lines are written too.
        rootLogger = context.getLogger(Logger.ROOT_LOGGER_NAME);
        rootLogger.addAppender(appender);
        livehookLogger = context.getLogger("io.livehook");
        previousLevel = livehookLogger.getLevel();
        livehookLogger.setLevel(Level.DEBUG);
    }

    @AfterEach
    void stopCapturing() {
        rootLogger.detachAppender(appender);
        livehookLogger.setLevel(previousLevel);
        appender.stop();
    }

    @Test
    void rejectedAndAcceptedEventsAreLoggedWithFieldsAndWithoutTokenOrSecret() throws Exception {
        String body = """
                {"id":"EV_log","event":"room_started","room":{"sid":"RM_log","name":"log-room"},"createdAt":"1700000000"}""";
        String unparseable = """
                {"id":"EV_log_bad","event":"room_started","room":{"sid":"RM_log_bad","name":"bad-room"},"createdAt":"not-a-number"}""";
        String wrongSecret = "a-wrong-secret-that-must-not-be-logged-7c1e";
        String genuineToken;
        String forgedToken;
        try (LivehookFixture lh = LivehookFixture.in(dataDir).reconcilingNowhere().start()) {
            // A real, valid token for this body, sent with a body changed on the way: 401 hash_mismatch.
            genuineToken = lh.signer().sign(body.getBytes(StandardCharsets.UTF_8));
            assertThat(lh.postWebhook(body.replace("log-room", "tampered-room"), genuineToken).statusCode()).isEqualTo(401);
            // A token with the right key id but signed with another secret: 401 bad_signature.
            forgedToken = new WebhookSigner(LivehookFixture.API_KEY, wrongSecret, Clock.systemUTC())
                    .sign(body.getBytes(StandardCharsets.UTF_8));
            assertThat(lh.postWebhook(body, forgedToken).statusCode()).isEqualTo(401);
            assertThat(lh.postWebhook(body).statusCode()).isEqualTo(200);
            assertThat(lh.postWebhook(unparseable).statusCode()).isEqualTo(200);
            lh.awaitCaughtUp();
        }
        appender.stop();
        String output = captured.toString(StandardCharsets.UTF_8);
        List<Line> lines = parse(output);

        assertThat(lines).anySatisfy(line -> {
            assertThat(line.logger()).endsWith("WebhookIngest");
            assertThat(line.fields()).containsEntry("outcome", "rejected").containsEntry("reason", "hash_mismatch")
                    .containsEntry("status", "401").containsEntry("event_id", "EV_log")
                    .containsEntry("queue_key", "tampered-room");
        });
        assertThat(lines).anySatisfy(line -> assertThat(line.fields())
                .containsEntry("outcome", "rejected").containsEntry("reason", "bad_signature")
                .containsEntry("event_id", "EV_log").containsEntry("queue_key", "log-room"));
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.logger()).endsWith("WebhookIngest");
            assertThat(line.fields()).containsEntry("outcome", "appended").containsEntry("event_id", "EV_log")
                    .containsEntry("queue_key", "log-room").containsEntry("event_type", "room_started");
        });
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.logger()).endsWith("Processor");
            assertThat(line.fields()).containsEntry("outcome", "applied").containsEntry("event_id", "EV_log")
                    .containsEntry("queue_key", "log-room");
        });
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.logger()).endsWith("Processor");
            assertThat(line.level()).isEqualTo("WARN");
            assertThat(line.fields()).containsEntry("outcome", "dead_lettered").containsEntry("event_id", "EV_log_bad")
                    .containsEntry("queue_key", "bad-room");
        });

        for (String token : List.of(genuineToken, forgedToken)) {
            assertThat(output).doesNotContain(token);
            assertThat(output).doesNotContain(token.substring(token.lastIndexOf('.') + 1)); // the signature
            assertThat(output).doesNotContain(token.substring(token.indexOf('.') + 1, token.lastIndexOf('.'))); // the claims
        }
        assertThat(output).doesNotContain(LivehookFixture.API_SECRET).doesNotContain(wrongSecret);
    }

    /** One JSON log line: level, logger, message and its key-value pairs (the other top-level fields). */
    private record Line(String level, String logger, String message, Map<String, String> fields) {}

    private static List<Line> parse(String output) throws Exception {
        List<Line> lines = new ArrayList<>();
        for (String text : output.split("\n")) {
            if (text.isBlank()) {
                continue;
            }
            JsonNode node = JSON.readTree(text);
            assertThat(node.path("@timestamp").asText()).as(text).isNotBlank();
            Map<String, String> fields = new HashMap<>();
            node.properties().forEach(e -> {
                if (!STANDARD_FIELDS.contains(e.getKey())) {
                    fields.put(e.getKey(), e.getValue().asText());
                }
            });
            lines.add(new Line(node.path("level").asText(), node.path("logger_name").asText(),
                    node.path("message").asText(), fields));
        }
        assertThat(lines).as("captured JSON log lines").isNotEmpty();
        return lines;
    }
}
