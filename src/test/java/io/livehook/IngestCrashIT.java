package io.livehook;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.log.EmbeddedLog;
import io.livehook.log.LogFileContents;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.LivehookProcess;
import io.livehook.testing.TestJwt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a stream of webhooks, restart on the same data directory: every event that was
 * answered 200 must be in the log exactly once, and nothing that was never sent may be.
 */
class IngestCrashIT {
    private static final String KEY = LivehookFixture.API_KEY;
    private static final String SECRET = LivehookFixture.API_SECRET;
    private static final int SENDERS = 16;
    private static final int SIGKILL_EXIT = 128 + 9;

    @TempDir
    Path temp;

    record Sent(byte[] body, String token) {}

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAcknowledgedEventSurvivesKillMinus9() throws Exception {
        Path jar = Path.of(System.getProperty("livehook.jar", "target/livehook.jar"));
        assertThat(jar).as("the shaded jar (built by package)").isRegularFile();
        Path dataDir = temp.resolve("data");
        Path log = temp.resolve("livehook.log");

        Map<String, Sent> sent = new ConcurrentHashMap<>();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();

        try (LivehookProcess first = LivehookProcess.startJar(jar, KEY, SECRET, dataDir, log, List.of());
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2)).build()) {
            first.awaitOk("/readyz", Duration.ofSeconds(20));
            URI webhook = URI.create("http://127.0.0.1:" + first.port() + "/webhook");

            List<Thread> senders = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                int sender = s;
                senders.add(Thread.ofPlatform().name("sender-" + s).start(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        String id = "EV_crash" + sender + "x" + n;
                        byte[] body = body(id);
                        String token = TestJwt.webhook(KEY, SECRET, body, Instant.now());
                        sent.put(id, new Sent(body, token));
                        try {
                            HttpResponse<String> response = client.send(request(webhook, body, token),
                                    HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                acknowledged.add(id);
                            } else {
                                failed.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            if (e instanceof InterruptedException) {
                                return;
                            }
                        }
                    }
                }));
            }

            // Let a stream build up, then pull the plug in the middle of it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (acknowledged.size() < 500 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int exit = first.kill();
            stop.set(true);
            for (Thread sender : senders) {
                sender.join(TimeUnit.SECONDS.toMillis(10));
            }
            assertThat(exit).as("exit value of a SIGKILLed process").isEqualTo(SIGKILL_EXIT);
            assertThat(acknowledged).as("events acknowledged before the kill").hasSizeGreaterThanOrEqualTo(100);
            assertThat(failed.get()).as("requests cut off by the kill").isPositive();
        }
        assertThat(Files.readString(log)).as("no graceful shutdown happened").doesNotContain("livehook stopped");

        try (LivehookProcess second = LivehookProcess.startJar(jar, KEY, SECRET, dataDir, log, List.of());
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            second.awaitOk("/readyz", Duration.ofSeconds(20));
            URI webhook = URI.create("http://127.0.0.1:" + second.port() + "/webhook");

            Map<String, Long> stored = LogFileContents.duplicatesById(dataDir.resolve(EmbeddedLog.FILE));
            System.out.printf("crash: sent %d, acknowledged %d, cut off or refused %d, stored after restart %d%n",
                    sent.size(), acknowledged.size(), failed.get(), stored.size());
            assertThat(stored.keySet()).as("acknowledged events in the log").containsAll(acknowledged);
            assertThat(sent.keySet()).as("the log holds only events that were sent").containsAll(stored.keySet());
            assertThat(stored.values()).as("nothing was stored twice").containsOnly(0L);

            // LiveKit retries after a restart: same bytes, same token. Answered 200, still stored once.
            List<String> resent = acknowledged.stream().sorted().limit(5).toList();
            for (String id : resent) {
                Sent original = sent.get(id);
                HttpResponse<String> response = client.send(request(webhook, original.body(), original.token()),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(id).isEqualTo(200);
                assertThat(response.body()).isEqualTo("duplicate\n");
            }
            // And it takes new events.
            byte[] fresh = body("EV_afterRestart");
            HttpResponse<String> response = client.send(
                    request(webhook, fresh, TestJwt.webhook(KEY, SECRET, fresh, Instant.now())),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("appended\n");

            Map<String, Long> after = LogFileContents.duplicatesById(dataDir.resolve(EmbeddedLog.FILE));
            assertThat(after).hasSize(stored.size() + 1);
            for (String id : resent) {
                assertThat(after.get(id)).as("duplicates counted for %s", id).isEqualTo(1L);
            }
            assertThat(second.stop(Duration.ofSeconds(15))).as("graceful stop").isNotEqualTo(SIGKILL_EXIT);
        }
    }

    private static HttpRequest request(URI webhook, byte[] body, String token) {
        return HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/webhook+json")
                .header("Authorization", token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    private static byte[] body(String id) {
        return ("{\"event\":\"participant_joined\",\"room\":{\"sid\":\"RM_c\",\"name\":\"crash-room-" + (id.hashCode() & 7)
                + "\"},\"participant\":{\"sid\":\"PA_c\",\"identity\":\"p\"},\"id\":\"" + id + "\",\"createdAt\":\""
                + Instant.now().getEpochSecond() + "\"}").getBytes(StandardCharsets.UTF_8);
    }

}
