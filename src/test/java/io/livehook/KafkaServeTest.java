package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.client.LivehookClient;
import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import io.livehook.log.EventLog;
import io.livehook.log.KafkaEventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.process.Replay;
import io.livehook.simulate.DeliveryProfile;
import io.livehook.simulate.GroundTruth;
import io.livehook.simulate.LivehookState;
import io.livehook.simulate.Simulation;
import io.livehook.simulate.StateCheck;
import io.livehook.testing.KafkaTestCluster;
import io.livehook.testing.TestJwt;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} with its event log on a real Kafka broker: LiveKit's webhooks over HTTP, into state. */
@Timeout(120)
class KafkaServeTest {
    private static final String KEY = "APIkafka";
    private static final String SECRET = "kafka-secret-long-enough-for-hs256";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void closeClient() {
        http.close();
    }

    private LivehookConfig config(String bootstrapServers, Map<String, String> extra) {
        String topic = KafkaTestCluster.uniqueTopic("serve");
        Map<String, String> env = new HashMap<>(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dir.resolve("data").toString(), "LIVEKIT_API_KEY", KEY,
                "LIVEKIT_API_SECRET", SECRET, "LIVEHOOK_API_TOKEN", "kafka-serve-api-token-7d1c2b3a4f5e6d7c",
                "LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers, "LIVEHOOK_KAFKA_TOPIC", topic,
                "LIVEHOOK_KAFKA_QUARANTINE_TOPIC", topic + ".quarantine", "LIVEHOOK_KAFKA_PARTITIONS", "4"));
        env.putAll(extra);
        return new ConfigLoader(env).load(Optional.empty(), false);
    }

    private HttpResponse<String> post(Livehook livehook, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + livehook.port() + "/webhook"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/webhook+json")
                .header("Authorization", TestJwt.webhook(KEY, SECRET, bytes, Instant.now()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(Livehook livehook, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + livehook.port() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String roomStarted(String id, String room) {
        return "{\"event\":\"room_started\",\"room\":{\"sid\":\"RM_" + room + "\",\"name\":\"" + room + "\"},\"id\":\""
                + id + "\",\"createdAt\":\"" + Instant.now().getEpochSecond() + "\"}";
    }

    @Test
    void liveKitsWebhooksAreLoggedInEachRoomsOrderAndAppliedToState() throws Exception {
        LivehookConfig config = config(KafkaTestCluster.bootstrapServers(), Map.of());
        try (Livehook livehook = Livehook.start(config, Clock.systemUTC())) {
            assertThat(livehook.eventLog()).isInstanceOf(KafkaEventLog.class);
            assertThat(livehook.eventLog().partitions()).isEqualTo(4);
            // LiveKit's own sender rules: one request in flight per room, retries, 200 ends an event's journey.
            var settings = new Simulation.Traffic(URI.create("http://127.0.0.1:" + livehook.port() + "/webhook"),
                    DeliveryProfile.oss(), 60, 8, Duration.ofSeconds(3), 4242, KEY, SECRET, 0);
            Simulation.Result result = Simulation.run(settings, Clock.systemUTC());
            assertThat(result.report().lostTotal()).as(result.report().text()).isZero();
            List<GroundTruth.Event> sent = result.truth().events();

            // Each room's events sit in one partition, in the order LiveKit sent them.
            Map<String, List<LoggedEvent>> logged = new LinkedHashMap<>();
            for (int p = 0; p < livehook.eventLog().partitions(); p++) {
                for (LoggedEvent e : livehook.eventLog().read(p, 0, 10_000)) {
                    logged.computeIfAbsent(e.queueKey(), k -> new ArrayList<>()).add(e);
                }
            }
            Map<String, List<String>> sentByKey = new LinkedHashMap<>();
            sent.forEach(e -> sentByKey.computeIfAbsent(e.queueKey(), k -> new ArrayList<>()).add(e.id()));
            assertThat(logged.keySet()).containsExactlyInAnyOrderElementsOf(sentByKey.keySet());
            sentByKey.forEach((key, ids) -> {
                List<LoggedEvent> events = logged.get(key);
                assertThat(events).extracting(LoggedEvent::eventId).as(key).containsExactlyElementsOf(ids);
                assertThat(events).extracting(LoggedEvent::partition).as(key).containsOnly(events.get(0).partition());
            });
            assertThat(logged.values().stream().map(events -> events.get(0).partition()).distinct().count())
                    .as("rooms spread over partitions").isGreaterThan(1);

            // And processing, one reader per partition, turned them into the state LiveKit's truth says.
            LivehookClient api = new LivehookClient(URI.create("http://127.0.0.1:" + livehook.port()),
                    Optional.of("kafka-serve-api-token-7d1c2b3a4f5e6d7c"));
            assertThat(api.awaitProcessed(Duration.ofSeconds(60)).settled()).isTrue();
            StateCheck.Result check = StateCheck.compare(result.truth(), LivehookState.read(api, result.truth()),
                    StateCheck.roomsWithLosses(result.truth(), result.deliveries()));
            assertThat(check.total()).as(check.text()).isZero();
            assertThat(check.rooms()).isPositive();
        }
    }

    @Test
    void withoutTheBrokersAcknowledgementTheAnswerIs503WithinTheTimeoutAndNothingIsApplied() throws Exception {
        KafkaClusterTestKit broker = KafkaTestCluster.startPrivate();
        boolean brokerRunning = true;
        try {
            LivehookConfig config = config(broker.bootstrapServers(), Map.of("LIVEHOOK_KAFKA_APPEND_TIMEOUT_MS", "1500"));
            try (Livehook livehook = Livehook.start(config, Clock.systemUTC())) {
                HttpResponse<String> first = post(livehook, roomStarted("EV_acked", "kept"));
                assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
                assertThat(livehook.processor().awaitCaughtUp(Duration.ofSeconds(30))).isTrue();

                assertThat(get(livehook, "/readyz").statusCode()).isEqualTo(200);
                KafkaTestCluster.close(broker);
                brokerRunning = false;
                // Readiness sees it before any webhook fails: a load balancer sends LiveKit to another livehook.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                HttpResponse<String> ready;
                while ((ready = get(livehook, "/readyz")).statusCode() == 200 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("event log cannot take writes");
                assertThat(livehook.eventLog().writeProblem()).get().asString()
                        .startsWith("Kafka at " + broker.bootstrapServers() + " does not answer");
                long start = System.nanoTime();
                HttpResponse<String> second = post(livehook, roomStarted("EV_unacked", "lost"));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(second.statusCode()).as(second.body()).isEqualTo(503);
                assertThat(second.body()).isEqualTo("unavailable log_unavailable\n");
                assertThat(second.headers().firstValue("Retry-After")).contains("1");
                // The append timeout (1.5 s here) bounds it; the bound here is loose for a busy machine.
                assertThat(tookMs).isLessThan(10_000L);

                HttpResponse<String> events = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + livehook.port() + "/api/events?limit=10"))
                        .header("Authorization", "Bearer kafka-serve-api-token-7d1c2b3a4f5e6d7c").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(events.statusCode()).isEqualTo(200);
                assertThat(events.body()).contains("EV_acked").doesNotContain("EV_unacked");
            }
        } finally {
            if (brokerRunning) {
                KafkaTestCluster.close(broker);
            }
        }
    }

    @Test
    void replayRebuildsTheStateFromTheTopic() throws Exception {
        LivehookConfig config = config(KafkaTestCluster.bootstrapServers(), Map.of());
        try (Livehook livehook = Livehook.start(config, Clock.systemUTC())) {
            for (String room : List.of("one", "two", "three")) {
                assertThat(post(livehook, roomStarted("EV_replay_" + room, room)).statusCode()).isEqualTo(200);
            }
        }
        try (EventLog topic = Livehook.openEventLog(config)) {
            assertThat(topic).isInstanceOf(KafkaEventLog.class);
            assertThat(Replay.rebuild(topic, config.storage().state(), 2, Clock.systemUTC(), Duration.ofSeconds(60)))
                    .isEqualTo(3);
        }
    }

    @Test
    void anUnreachableKafkaIsAClearStartupErrorAndLeavesTheDataDirectoryFree() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        LivehookConfig config = config("127.0.0.1:" + port, Map.of("LIVEHOOK_KAFKA_CONNECT_TIMEOUT_MS", "1500"));
        assertThatThrownBy(() -> Livehook.start(config, Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach Kafka at 127.0.0.1:" + port + " within 1500 ms");
        // The data directory was given back: the same directory serves with Kafka once it is there.
        try (Livehook livehook = Livehook.start(config(KafkaTestCluster.bootstrapServers(), Map.of()),
                Clock.systemUTC())) {
            assertThat(post(livehook, roomStarted("EV_after", "after")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aDataDirectoryWhoseStateCameFromTheFileLogIsRefusedWithKafka() throws Exception {
        Path data = dir.resolve("data");
        var fileLogConfig = new ConfigLoader(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", data.toString(), "LIVEKIT_API_KEY", KEY, "LIVEKIT_API_SECRET", SECRET))
                .load(Optional.empty(), false);
        try (Livehook livehook = Livehook.start(fileLogConfig, Clock.systemUTC())) {
            assertThat(post(livehook, roomStarted("EV_file", "file")).statusCode()).isEqualTo(200);
        }
        assertThat(Files.exists(data.resolve("events.log"))).isTrue();
        // Its processing checkpoints count the file's offsets; read against Kafka they would skip events.
        assertThatThrownBy(() -> Livehook.start(config(KafkaTestCluster.bootstrapServers(), Map.of()),
                Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds state made from its own event log (events.log)")
                .hasMessageContaining("LIVEHOOK_DATA_DIR");
    }
}
