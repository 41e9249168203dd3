package io.livehook.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.config.DestinationConfig.Ordering;
import io.livehook.simulate.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short run of the demo: answers slower than LiveKit Cloud's 3 s reach the app through livehook all the same. */
class SupportThreadDemoTest {

    @Test
    void theAppBehindLivehookGetsEveryEventAndTheDirectOneAccountsForEachEvent(@TempDir Path tmp) throws Exception {
        var settings = new SupportThreadDemo.Scenario(20, 2, Duration.ofSeconds(2), 0.15, Duration.ofMillis(3500), 5,
                Duration.ofSeconds(60), 8, Ordering.ROOM);

        Simulation.Progress sending = new Simulation.Progress();
        SupportThreadDemo.Result result = SupportThreadDemo.run(settings, tmp, sending, left -> {});

        assertThat(sending.total()).isEqualTo(40);
        assertThat(sending.generated()).isEqualTo(40);
        assertThat(sending.unsettled()).isZero();

        SupportThreadDemo.Route via = result.viaLivehook();
        assertThat(via.liveKit().generated()).isEqualTo(40);
        assertThat(via.liveKit().lostTotal()).as("livehook answers LiveKit at once").isZero();
        assertThat(via.held()).as(result.text()).isZero();
        assertThat(via.app().received()).isEqualTo(40);
        assertThat(via.lost()).isZero();
        assertThat(via.app().slowAnswers()).as("the app was slow behind livehook too").isPositive();
        assertThat(via.app().badSignatures()).as("livehook signs like LiveKit").isZero();

        SupportThreadDemo.Route direct = result.direct();
        assertThat(direct.timedOutAttempts()).as("3.5 s answers time out at LiveKit Cloud").isPositive();
        assertThat(direct.app().duplicates()).as("a timed-out event arrived, then its retry").isPositive();
        assertThat(direct.app().received() + direct.lost()).isEqualTo(40);

        assertThat(result.text()).contains("LiveKit -> app", "LiveKit -> livehook -> app", "received by the app",
                "concurrency 8, ordering room");
        JsonNode json = result.json();
        assertThat(json.get("via_livehook").get("received").asLong()).isEqualTo(40);
        assertThat(json.get("direct").get("livekit").get("generated").asLong()).isEqualTo(40);
        assertThat(json.get("settings").get("concurrency").asInt()).isEqualTo(8);
        assertThat(json.get("settings").get("ordering").asText()).isEqualTo("room");
    }
}
