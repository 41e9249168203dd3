package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.config.ConfigLoader;
import io.livehook.config.LivehookConfig;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.LogDamagedException;
import io.livehook.log.LogSalvage;
import io.livehook.state.StateSql;
import io.livehook.testing.TestJwt;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte damaged in the middle of the log, where events answered 200 were: the start refuses and says what to
 * do, salvage keeps every intact record, and events that arrive afterwards are all applied. (Before, the start
 * cut the log at the damage, new events took the positions after it, and processing, whose checkpoint was
 * further on, skipped them without a word.)
 */
class DamagedLogTest {
    private static final String KEY = "APIdamaged";
    private static final String SECRET = "damaged-log-test-secret-0123456789";

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private LivehookConfig config() {
        return new ConfigLoader(Map.of("LIVEKIT_API_KEY", KEY, "LIVEKIT_API_SECRET", SECRET, "LIVEHOOK_HOST",
                "127.0.0.1", "LIVEHOOK_PORT", "0", "LIVEHOOK_DATA_DIR", dataDir.toString(), "LIVEHOOK_DRAIN_SECONDS", "0"))
                .load(Optional.empty(), false);
    }

    private List<String> post(Livehook livehook, String prefix, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = "EV_" + prefix + i;
            byte[] body = ("{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_d\",\"name\":\"damaged\"},"
                    + "\"participant\":{\"sid\":\"PA_" + id + "\",\"identity\":\"" + id + "\"},\"id\":\"" + id
                    + "\",\"createdAt\":\"" + Instant.now().getEpochSecond() + "\"}").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + livehook.port() + "/webhook"))
                    .header("Content-Type", "application/webhook+json")
                    .header("Authorization", TestJwt.webhook(KEY, SECRET, body, Instant.now()))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            ids.add(id);
        }
        assertThat(livehook.processor().awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
        return ids;
    }

    private static long applied(Livehook livehook, List<String> ids) {
        long n = 0;
        for (String id : ids) {
            n += StateSql.count(livehook.state(), "SELECT count(*) FROM events WHERE event_id = ?", id);
        }
        return n;
    }

    @Test
    void theStartRefusesSalvageKeepsWhatIsIntactAndLaterEventsAreAllApplied() throws Exception {
        try (Livehook livehook = Livehook.start(config(), Clock.systemUTC())) {
            post(livehook, "before", 30);
        }
        Path log = dataDir.resolve(EmbeddedLog.FILE);
        byte[] bytes = Files.readAllBytes(log);
        int damaged = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("\"EV_before10\"}");
        bytes[damaged] ^= 0x5a;
        Files.write(log, bytes);

        assertThatThrownBy(() -> Livehook.start(config(), Clock.systemUTC()))
                .isInstanceOf(LogDamagedException.class)
                .hasMessageContaining(log.toAbsolutePath().toString())
                .hasMessageContaining("is damaged at byte")
                .hasMessageContaining("livehook log salvage");

        LogSalvage.salvage(log);
        try (Livehook livehook = Livehook.start(config(), Clock.systemUTC())) {
            List<String> after = post(livehook, "after", 20);
            assertThat(applied(livehook, after)).as("events after the salvage, applied").isEqualTo(20);
            assertThat(livehook.eventLog().head(0)).as("they continue after the highest position").isEqualTo(50);
        }
    }
}
