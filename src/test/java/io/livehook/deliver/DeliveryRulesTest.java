package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.config.DestinationConfig;
import io.livehook.testing.HandClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The circuit breaker, and how answers are classified and kept. */
class DeliveryRulesTest {
    @Test
    void which_statuses_are_retried() {
        assertThat(WebhookPost.retryable(408)).isTrue();
        assertThat(WebhookPost.retryable(425)).isTrue();
        assertThat(WebhookPost.retryable(429)).isTrue();
        assertThat(WebhookPost.retryable(500)).isTrue();
        assertThat(WebhookPost.retryable(502)).isTrue();
        assertThat(WebhookPost.retryable(503)).isTrue();
        assertThat(WebhookPost.retryable(599)).isTrue();
        assertThat(WebhookPost.retryable(501)).as("Not Implemented will not change by waiting").isFalse();
        assertThat(WebhookPost.retryable(400)).isFalse();
        assertThat(WebhookPost.retryable(401)).isFalse();
        assertThat(WebhookPost.retryable(404)).isFalse();
        assertThat(WebhookPost.retryable(410)).isFalse();
        assertThat(WebhookPost.retryable(302)).isFalse();
    }

    @Test
    void the_response_snippet_stays_within_512_bytes_of_utf8() {
        assertThat(WebhookPost.truncate("ok".getBytes(StandardCharsets.UTF_8))).isEqualTo("ok");
        byte[] euros = "€".repeat(200).getBytes(StandardCharsets.UTF_8); // 600 bytes
        byte[] cut = java.util.Arrays.copyOf(euros, 512); // ends inside a character
        String text = WebhookPost.truncate(cut);
        assertThat(text.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(512);
        assertThat(text).startsWith("€".repeat(170));
        byte[] invalid = new byte[512];
        java.util.Arrays.fill(invalid, (byte) 0xff);
        assertThat(WebhookPost.truncate(invalid).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(512);
    }

    @Test
    void circuit_opens_after_the_threshold_then_lets_one_probe_through() {
        HandClock clock = new HandClock();
        int[] opened = {0};
        Circuit circuit = new Circuit(new DestinationConfig.Circuit(3, Duration.ofSeconds(30)), clock, () -> opened[0]++);
        assertThat(circuit.tryAcquire()).isTrue();
        circuit.onFailure();
        circuit.onFailure();
        circuit.onSuccess(); // resets the run
        circuit.onFailure();
        circuit.onFailure();
        assertThat(circuit.state()).isEqualTo(Circuit.State.CLOSED);
        circuit.onFailure();
        assertThat(circuit.state()).isEqualTo(Circuit.State.OPEN);
        assertThat(opened[0]).isEqualTo(1);
        assertThat(circuit.tryAcquire()).isFalse();
        assertThat(circuit.msUntilProbe()).isEqualTo(30_000);

        clock.advance(Duration.ofSeconds(30));
        assertThat(circuit.state()).isEqualTo(Circuit.State.HALF_OPEN);
        assertThat(circuit.tryAcquire()).as("the probe").isTrue();
        assertThat(circuit.tryAcquire()).as("only one").isFalse();
        circuit.onFailure();
        assertThat(circuit.state()).isEqualTo(Circuit.State.OPEN);
        assertThat(opened[0]).isEqualTo(2);

        clock.advance(Duration.ofSeconds(30));
        assertThat(circuit.tryAcquire()).isTrue();
        circuit.release(); // not used after all: another may probe
        assertThat(circuit.tryAcquire()).isTrue();
        circuit.onSuccess();
        assertThat(circuit.state()).isEqualTo(Circuit.State.CLOSED);
        assertThat(circuit.tryAcquire()).isTrue();
        assertThat(circuit.tryAcquire()).isTrue();
    }

    @Test
    void a_zero_threshold_disables_the_circuit() {
        Circuit circuit = new Circuit(new DestinationConfig.Circuit(0, Duration.ofSeconds(30)), new HandClock(), () -> {});
        for (int i = 0; i < 100; i++) {
            circuit.onFailure();
        }
        assertThat(circuit.state()).isEqualTo(Circuit.State.CLOSED);
        assertThat(circuit.tryAcquire()).isTrue();
    }

    @Test
    void standard_webhooks_signer_matches_the_spec_example() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md, "Signature scheme").
        byte[] key = java.util.Base64.getDecoder().decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        Clock at = Clock.fixed(Instant.ofEpochSecond(1614265330), ZoneOffset.UTC);
        var headers = new StandardWebhooksSigner(key, at).headers("msg_p5jXN8AQM9LWM0D4loKWxJek",
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
        assertThat(headers).containsEntry("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
                .containsEntry("webhook-timestamp", "1614265330")
                .containsEntry("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
