package io.livehook.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.Livehook;
import io.livehook.cli.Main;
import io.livehook.config.ConfigLoader;
import io.livehook.log.LoggedEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The simulator as LiveKit, a real livehook in this JVM as the receiver. */
class LivehookEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void livehookLogsEveryEventTheSimulatorSends(@TempDir Path tmp) throws Exception {
        String key = "APIe2e";
        String secret = "e2e-secret-long-enough-for-hs256";
        var config = new ConfigLoader(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", tmp.toString(), "LIVEKIT_API_KEY", key, "LIVEKIT_API_SECRET", secret))
                .load(Optional.empty(), false);
        try (Livehook livehook = Livehook.start(config, Clock.systemUTC())) {
            var settings = new Simulation.Settings(URI.create("http://127.0.0.1:" + livehook.port() + "/webhook"),
                    DeliveryProfile.oss(), 60, 6, Duration.ofSeconds(3), 2026, key, secret, 0);
            Simulation.Result result = Simulation.run(settings, Clock.systemUTC());

            assertThat(result.report().generated()).isEqualTo(180);
            assertThat(result.report().lostTotal()).as(result.report().text()).isZero();
            assertThat(result.report().delivered()).isEqualTo(180);

            List<GroundTruth.Event> generated = result.truth().events();
            Map<String, String> logged = livehook.eventLog().read(0, 0, 10 * generated.size()).stream()
                    .collect(Collectors.toMap(LoggedEvent::eventId, LoggedEvent::queueKey));
            assertThat(logged).hasSize(generated.size());
            for (GroundTruth.Event event : generated) {
                assertThat(logged).containsEntry(event.id(), event.queueKey());
            }
        }
    }

    @Test
    void verifyFindsLivehooksStateEqualToTheTruthUnlessEventsWereDropped(@TempDir Path tmp) throws Exception {
        String key = "APIverify";
        String secret = "verify-secret-long-enough-for-hs256";
        String token = "api-token-for-the-verify-test-4d2b9e71";
        var config = new ConfigLoader(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", tmp.resolve("data").toString(), "LIVEKIT_API_KEY", key, "LIVEKIT_API_SECRET",
                secret, "LIVEHOOK_API_TOKEN", token)).load(Optional.empty(), false);
        try (Livehook livehook = Livehook.start(config, Clock.systemUTC())) {
            String url = "http://127.0.0.1:" + livehook.port() + "/webhook";
            List<String> common = List.of("simulate", "--url", url, "--rate", "80", "--rooms", "4", "--duration", "3",
                    "--api-key", key, "--api-secret", secret, "--verify", "--api-token", token);

            Run clean = simulate(common, tmp.resolve("clean.json"), "--seed", "11");
            assertThat(clean.exit()).as(clean.out() + clean.err()).isZero();
            assertThat(clean.out()).contains("livehook settled   after", ": 0 mismatches");
            JsonNode verified = clean.report().get("verify");
            assertThat(verified.get("mismatches").asLong()).isZero();
            assertThat(verified.get("rooms").asLong()).isPositive();
            assertThat(verified.get("sessions").asLong()).isPositive();
            assertThat(verified.get("tracks").asLong()).isPositive();
            assertThat(verified.get("settled").asBoolean()).isTrue();
            assertThat(verified.get("lag_at_compare").asLong()).as("settled on livehook's lag meter").isZero();

            Run lossy = simulate(common, tmp.resolve("lossy.json"), "--seed", "12", "--drop-rate", "0.2");
            JsonNode found = lossy.report().get("verify");
            assertThat(lossy.exit()).as(lossy.out() + lossy.err()).isEqualTo(3);
            assertThat(found.get("mismatches").asLong()).isPositive();
            assertThat(found.get("events_lost_on_the_way").asLong())
                    .isEqualTo(lossy.report().get("dropped").get("simulated_loss").asLong()).isPositive();
            assertThat(found.get("unexplained").asLong()).as("mismatches only where events were lost").isZero();
            assertThat(lossy.out()).contains("lost on the way").doesNotContain(token);

            Run refused = simulate(List.of("simulate", "--url", url, "--rate", "20", "--rooms", "1", "--duration",
                    "0.2", "--seed", "13", "--api-key", key, "--api-secret", secret, "--verify", "--api-token",
                    "not-the-token"), tmp.resolve("refused.json"));
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("the API token was refused").doesNotContain("not-the-token");
        }
    }

    private record Run(int exit, String out, String err, JsonNode report) {}

    private static Run simulate(List<String> args, Path json, String... more) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        all.addAll(List.of("--json", json.toString()));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString(), Files.exists(json) ? JSON.readTree(json.toFile()) : null);
    }
}
