package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import io.livehook.config.Role;
import io.livehook.state.TestPostgres;
import io.livehook.testing.KafkaTestCluster;
import io.livehook.testing.TestJwt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --role}: each process runs the parts it is given, on a shared Kafka log and PostgreSQL state. */
@Timeout(120)
class RolesTest {
    private static final String KEY = "APIroles";
    private static final String SECRET = "roles-secret-long-enough-for-hs256";
    private static final String TOKEN = "roles-api-token-7d1c2b3a4f5e6d7c8b9a";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void closeClient() {
        http.close();
    }

    private Map<String, String> env(String dataDir) {
        return new HashMap<>(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dir.resolve(dataDir).toString(), "LIVEKIT_API_KEY", KEY,
                "LIVEKIT_API_SECRET", SECRET, "LIVEHOOK_API_TOKEN", TOKEN));
    }

    private HttpResponse<String> send(Livehook livehook, HttpRequest.Builder request) throws Exception {
        return http.send(request.uri(URI.create("http://127.0.0.1:" + livehook.port()
                + request.build().uri().getPath())).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> webhook(Livehook livehook, String id, String room) throws Exception {
        byte[] body = ("{\"event\":\"room_started\",\"room\":{\"sid\":\"RM_" + room + "\",\"name\":\"" + room
                + "\"},\"id\":\"" + id + "\",\"createdAt\":\"" + Instant.now().getEpochSecond() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        return send(livehook, HttpRequest.newBuilder(URI.create("http://x/webhook"))
                .header("Content-Type", "application/webhook+json")
                .header("Authorization", TestJwt.webhook(KEY, SECRET, body, Instant.now()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    @Test
    void rolesComeFromTheEnvironmentOrTheFile_andUnknownOnesAreRefused() {
        assertThat(new ConfigLoader(Map.of()).load(Optional.empty(), true).roles()).isEqualTo(Role.ALL);
        assertThat(new ConfigLoader(Map.of("LIVEHOOK_ROLES", "ingest, process")).load(Optional.empty(), true).roles())
                .containsExactlyInAnyOrder(Role.INGEST, Role.PROCESS);
        assertThatThrownBy(() -> new ConfigLoader(Map.of("LIVEHOOK_ROLES", "ingest,proces"))
                .load(Optional.empty(), true))
                .hasMessage("LIVEHOOK_ROLES lists \"proces\", which is not a role "
                        + "(roles: ingest,process,deliver,reconcile)");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("LIVEHOOK_ROLES", " , ")).load(Optional.empty(), true))
                .hasMessageContaining("at least one role");
    }

    @Test
    void fewerThanAllRolesOnTheDataDirectorysOwnLogAndStateAreRefused() {
        LivehookConfig config = new ConfigLoader(env("data")).load(Optional.empty(), false)
                .withRoles(Set.of(Role.PROCESS));
        assertThatThrownBy(() -> Livehook.start(config, Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("roles process leave the other roles to other livehooks, which needs the event log on "
                        + "Kafka (LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS) and the state in PostgreSQL (LIVEHOOK_STATE_URL); "
                        + "with the data directory's own log and state, one livehook runs every role (leave roles "
                        + "unset)");
    }

    @Test
    void anIngestNodeLogsWhatAProcessNodeApplies_eachServingTheApi() throws Exception {
        TestPostgres.quiet();
        String stateUrl = TestPostgres.newDatabase();
        String topic = KafkaTestCluster.uniqueTopic("roles");
        Map<String, String> shared = Map.of("LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS", KafkaTestCluster.bootstrapServers(),
                "LIVEHOOK_KAFKA_TOPIC", topic, "LIVEHOOK_KAFKA_QUARANTINE_TOPIC", topic + ".q",
                "LIVEHOOK_KAFKA_PARTITIONS", "4", "LIVEHOOK_STATE_URL", stateUrl,
                "LIVEHOOK_STATE_USER", TestPostgres.USER);
        Map<String, String> ingestEnv = env("ingest");
        ingestEnv.putAll(shared);
        ingestEnv.put("LIVEHOOK_ROLES", "ingest");
        Map<String, String> processEnv = env("process");
        processEnv.putAll(shared);
        processEnv.put("LIVEHOOK_ROLES", "process");
        try (Livehook ingest = Livehook.start(new ConfigLoader(ingestEnv).load(Optional.empty(), false),
                        Clock.systemUTC());
                Livehook process = Livehook.start(new ConfigLoader(processEnv).load(Optional.empty(), false),
                        Clock.systemUTC())) {
            assertThat(webhook(process, "EV_refused", "nowhere").statusCode())
                    .as("no webhooks where ingest does not run").isEqualTo(404);
            assertThat(webhook(ingest, "EV_roles", "roles").statusCode()).isEqualTo(200);

            assertThat(ingest.processor().ownedPartitions()).as("no processing where it does not run").isEmpty();
            assertThat(process.processor().ownedPartitions()).containsExactly(0, 1, 2, 3);
            // Both answer from the one state: the ingest node's API sees what the process node applied (once the
            // process node has seen the topic's new end and applied the event).
            HttpResponse<String> room;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                Thread.sleep(50);
                room = send(ingest, HttpRequest.newBuilder(URI.create("http://x/api/rooms/RM_roles"))
                        .header("Authorization", "Bearer " + TOKEN));
            } while (room.statusCode() == 404 && System.nanoTime() < deadline);
            assertThat(room.statusCode()).as(room.body()).isEqualTo(200);
            assertThat(room.body()).contains("\"name\":\"roles\"");
        }
    }
}
