package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.config.ApiKeys;
import io.livehook.livekit.Verification;
import io.livehook.livekit.WebhookVerifier;
import io.livehook.testing.TestReceiver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimulateCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final AtomicInteger accepted = new AtomicInteger();
    private TestReceiver receiver;
    private String url;

    /** Accepts only what the given key pair signed, as livehook does; refuses the rest with 401. */
    private void startReceiver(String key, String secret) throws IOException {
        var verifier = new WebhookVerifier(new ApiKeys(Map.of(key, secret)), Duration.ofSeconds(60), Clock.systemUTC());
        receiver = TestReceiver.start().behave(request -> {
            boolean valid = verifier.verify(request.authorization(), request.body()) instanceof Verification.Verified;
            if (valid) {
                accepted.incrementAndGet();
            }
            return TestReceiver.Answer.status(valid ? 200 : 401);
        });
        url = receiver.url().toString();
    }

    @BeforeEach
    void quiet() {
        out.getBuffer().setLength(0);
    }

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void simulatesAgainstTheUrlAndWritesBothReports(@TempDir Path tmp) throws Exception {
        startReceiver("APIk", "a-secret");
        Path json = tmp.resolve("report.json");
        int exit = run(Main.commandLine(), "simulate", "--url", url, "--profile", "oss", "--rate", "100", "--rooms", "5",
                "--duration", "1", "--seed", "77", "--api-key", "APIk", "--api-secret", "a-secret", "--json", json.toString());

        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).as("no progress line: stderr is not a terminal").isEmpty();
        assertThat(out.toString()).contains("profile oss -> " + url, "seed 77", "delivered (2xx)          100");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.path("generated").asLong()).isEqualTo(100);
        assertThat(report.path("delivered").asLong()).isEqualTo(100);
        assertThat(report.path("not_delivered").asLong()).isZero();
        assertThat(accepted.get()).isEqualTo(100);
    }

    @Test
    void signsWithLiveKitsEnvironmentVariablesByDefault() throws Exception {
        startReceiver("APIfromEnv", "secret-from-env");
        var command = new CommandLine(new SimulateCommand(Map.of("LIVEKIT_API_KEY", "APIfromEnv",
                "LIVEKIT_API_SECRET", "secret-from-env")));
        int exit = run(command, "--url", url, "--rate", "50", "--duration", "0.5", "--rooms", "2");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(accepted.get()).isEqualTo(25);
    }

    @Test
    void signsWithTheDevKeyPairWithoutConfiguration() throws Exception {
        startReceiver("devkey", "secret");
        int exit = run(new CommandLine(new SimulateCommand(Map.of())), "--url", url, "--rate", "50", "--duration", "0.5",
                "--rooms", "2");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(accepted.get()).isEqualTo(25);
    }

    /** During the run and the linger after it, LiveKit's RoomService answers from the simulated rooms. */
    @Test
    void answersRoomServiceCallsWhileItRunsAndLingers() throws Exception {
        startReceiver("APIk", "a-secret");
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var command = Main.commandLine();
        var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        var finished = executor.submit(() -> run(command, "simulate", "--url", url, "--rate", "50", "--rooms", "3",
                "--duration", "1", "--api-key", "APIk", "--api-secret", "a-secret", "--room-service-port",
                Integer.toString(port), "--room-service-linger", "2"));
        var liveKit = new io.livehook.livekit.RoomServiceClient("http://127.0.0.1:" + port, "APIk", "a-secret",
                io.livehook.livekit.Twirp.Encoding.JSON, Duration.ofSeconds(2), Clock.systemUTC());
        java.util.List<livekit.LivekitModels.Room> rooms = java.util.List.of();
        for (int i = 0; i < 100 && rooms.isEmpty(); i++) {
            Thread.sleep(50);
            try {
                rooms = liveKit.listRooms(java.util.List.of());
            } catch (io.livehook.livekit.RoomServiceException notYet) {
                // the server is starting, or no room has started yet
            }
        }
        assertThat(rooms).isNotEmpty().allSatisfy(r -> assertThat(r.getName()).startsWith("sim-"));
        assertThat(liveKit.listParticipants(rooms.get(0).getName())).allSatisfy(p ->
                assertThat(p.getSid()).startsWith("PA_"));

        assertThat(finished.get()).as(err.toString()).isZero();
        executor.shutdown();
        assertThat(out.toString()).contains("room service: LIVEKIT_URL=http://127.0.0.1:" + port);
    }

    @Test
    void refusesAnUnknownProfileOrAUrlThatIsNotHttp() {
        assertThat(run(Main.commandLine(), "simulate", "--profile", "onprem")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown delivery profile \"onprem\"");
        assertThat(run(Main.commandLine(), "simulate", "--url", "ftp://127.0.0.1/webhook")).isEqualTo(2);
        assertThat(err.toString()).contains("--url must be an http(s) URL");
        assertThat(run(Main.commandLine(), "simulate", "--drop-rate", "1.5")).isEqualTo(2);
        assertThat(err.toString()).contains("drop rate must be in [0, 1)");
    }

    @Test
    void refusesBadVerifyOptions() {
        assertThat(run(Main.commandLine(), "simulate", "--verify", "--api-url", "localhost:8080")).isEqualTo(2);
        assertThat(err.toString()).contains("--api-url must be an http(s) URL");
        assertThat(run(Main.commandLine(), "simulate", "--verify", "--verify-timeout", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--verify-timeout must be positive");
    }

    @Test
    void verifyAgainstSomethingThatIsNotLivehookSaysSoAndExitsOne() throws Exception {
        startReceiver("devkey", "secret");
        int exit = run(new CommandLine(new SimulateCommand(Map.of("LIVEHOOK_API_TOKEN", "token-from-env"))), "--url",
                url, "--rate", "20", "--duration", "0.5", "--rooms", "1", "--verify", "--verify-timeout", "1");

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).contains("delivered (2xx)           10");
        assertThat(err.toString()).contains("--verify: ").contains("answered GET /api/progress")
                .contains("is it livehook?").doesNotContain("token-from-env");
    }

    private int run(CommandLine command, String... args) {
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }
}
