package io.livehook.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.Livehook;
import io.livehook.config.ConfigLoader;
import io.livehook.log.LoggedEvent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator as LiveKit, a real livehook in this JVM as the receiver. */
class LivehookEndToEndTest {

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
}
