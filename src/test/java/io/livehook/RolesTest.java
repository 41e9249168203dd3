package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.config.ConfigLoader;
import io.livehook.config.Role;
import io.livehook.state.TestPostgres;
import io.livehook.testing.KafkaTestCluster;
import io.livehook.testing.LivehookFixture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --role}: each process runs the parts it is given, on a shared Kafka log and PostgreSQL state. */
@Timeout(120)
class RolesTest {
    @TempDir
    Path dir;

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
        assertThatThrownBy(() -> LivehookFixture.in(dir).env("LIVEHOOK_ROLES", "process").start())
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
        var ingestOptions = LivehookFixture.in(dir.resolve("ingest")).env("LIVEHOOK_ROLES", "ingest");
        var processOptions = LivehookFixture.in(dir.resolve("process")).env("LIVEHOOK_ROLES", "process");
        shared.forEach(ingestOptions::env);
        shared.forEach(processOptions::env);
        try (LivehookFixture ingest = ingestOptions.start(); LivehookFixture process = processOptions.start()) {
            assertThat(process.webhook(LivehookFixture.participantJoined("EV_refused", "nowhere")))
                    .as("no webhooks where ingest does not run").isEqualTo(404);
            assertThat(ingest.webhook(LivehookFixture.participantJoined("EV_roles", "roles"))).isEqualTo(200);

            assertThat(ingest.livehook().processor().ownedPartitions()).as("no processing where it does not run")
                    .isEmpty();
            assertThat(process.livehook().processor().ownedPartitions()).containsExactly(0, 1, 2, 3);
            // Both answer from the one state: the ingest node's API sees what the process node applied (once the
            // process node has seen the topic's new end and applied the event).
            HttpResponse<byte[]> room;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                Thread.sleep(50);
                room = ingest.get("/api/rooms/RM_roles");
            } while (room.statusCode() == 404 && System.nanoTime() < deadline);
            assertThat(room.statusCode()).as(new String(room.body())).isEqualTo(200);
            assertThat(new String(room.body())).contains("\"name\":\"roles\"");
        }
    }
}
