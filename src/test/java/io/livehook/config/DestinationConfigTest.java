package io.livehook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.config.DestinationConfig.Mode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DestinationConfigTest {
    private static final String WHSEC = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    private static final Map<String, String> ENV = Map.of("LIVEKIT_API_KEY", "APIlk", "LIVEKIT_API_SECRET",
            "livekit-secret-value");

    @TempDir
    Path dir;

    private List<DestinationConfig> load(String yaml) throws IOException {
        return load(yaml, ENV);
    }

    private List<DestinationConfig> load(String yaml, Map<String, String> env) throws IOException {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(env).load(Optional.of(file), false).destinations();
    }

    @Test
    void defaults() throws IOException {
        DestinationConfig d = load("""
                destinations:
                  - name: app
                    url: https://app.example.com/hooks/livekit
                """).get(0);
        assertThat(d.name()).isEqualTo("app");
        assertThat(d.url().toString()).isEqualTo("https://app.example.com/hooks/livekit");
        assertThat(d.events().accepts("anything")).isTrue();
        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.retry()).isEqualTo(DestinationConfig.Retry.defaults());
        assertThat(d.retry().initialBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.retry().maxBackoff()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.retry().multiplier()).isEqualTo(2);
        assertThat(d.retry().jitter()).isEqualTo(0.2);
        assertThat(d.retry().maxAttempts()).isZero();
        assertThat(d.retry().maxAge()).isEqualTo(Duration.ofDays(1));
        assertThat(d.concurrency()).isEqualTo(32);
        assertThat(d.ordering()).isEqualTo(DestinationConfig.Ordering.ROOM);
        assertThat(d.circuit()).isEqualTo(new DestinationConfig.Circuit(5, Duration.ofSeconds(30)));
        // No signing section: signed like LiveKit with livehook's own LiveKit key.
        assertThat(d.signing().mode()).isEqualTo(Mode.LIVEKIT);
        assertThat(d.signing().keyId()).isEqualTo("APIlk");
        assertThat(new String(d.signing().secret(), StandardCharsets.UTF_8)).isEqualTo("livekit-secret-value");
    }

    @Test
    void no_destinations_is_fine() throws IOException {
        assertThat(load("server: {port: 0}\n")).isEmpty();
    }

    @Test
    void every_setting() throws IOException {
        List<DestinationConfig> all = load("""
                destinations:
                  - name: app
                    url: http://127.0.0.1:9000/x
                    events: {include: [room_started, room_finished], exclude: [room_finished]}
                    timeout_seconds: 5
                    retry: {initial_backoff_ms: 100, max_backoff_ms: 1000, multiplier: 1.5, jitter: 0,
                            max_attempts: 7, max_age_seconds: 60}
                    concurrency: 2
                    ordering: none
                    signing: {mode: livekit, api_key: APIother, api_secret: other-secret}
                    circuit: {failure_threshold: 0, open_seconds: 1}
                  - name: audit.log
                    url: https://audit.example.com
                    signing: {mode: standard-webhooks, secret: "%s"}
                """.formatted(WHSEC));
        DestinationConfig app = all.get(0);
        assertThat(app.events().include()).isEqualTo(Set.of("room_started", "room_finished"));
        assertThat(app.events().accepts("room_started")).isTrue();
        assertThat(app.events().accepts("room_finished")).as("exclude wins").isFalse();
        assertThat(app.events().accepts("participant_joined")).isFalse();
        assertThat(app.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(app.retry()).isEqualTo(new DestinationConfig.Retry(Duration.ofMillis(100), Duration.ofSeconds(1),
                1.5, 0, 7, Duration.ofSeconds(60)));
        assertThat(app.concurrency()).isEqualTo(2);
        assertThat(app.ordering()).isEqualTo(DestinationConfig.Ordering.NONE);
        assertThat(app.toString()).contains("ordering=none");
        assertThat(app.signing().keyId()).isEqualTo("APIother");
        assertThat(app.circuit().failureThreshold()).isZero();
        DestinationConfig audit = all.get(1);
        assertThat(audit.signing().mode()).isEqualTo(Mode.STANDARD_WEBHOOKS);
        assertThat(audit.signing().secret()).hasSize(32);
    }

    @Test
    void secrets_can_come_from_the_environment() throws IOException {
        Map<String, String> env = new HashMap<>(ENV);
        env.put("APP_HOOK_SECRET", WHSEC);
        env.put("LK_DEST_SECRET", "from-env");
        List<DestinationConfig> all = load("""
                destinations:
                  - name: a
                    url: https://a.example.com
                    signing: {mode: standard-webhooks, secret_env: APP_HOOK_SECRET}
                  - name: b
                    url: https://b.example.com
                    signing: {api_key: APIb, api_secret_env: LK_DEST_SECRET}
                """, env);
        assertThat(all.get(0).signing().secret()).hasSize(32);
        assertThat(new String(all.get(1).signing().secret(), StandardCharsets.UTF_8)).isEqualTo("from-env");
    }

    @Test
    void errors_name_the_setting() {
        assertError("destinations: {name: x}", "destinations must be a list");
        assertError("destinations: [{url: 'https://a.example.com'}]", "destinations[0].name is required");
        assertError("destinations: [{name: 'bad name', url: 'https://a.example.com'}]", "destinations[0].name must be");
        assertError("destinations: [{name: a}]", "destinations[0].url is required");
        assertError("destinations: [{name: a, url: 'ftp://a.example.com'}]", "destinations[0].url must be an absolute");
        assertError("destinations: [{name: a, url: '/relative'}]", "destinations[0].url must be an absolute");
        assertError("destinations: [{name: a, url: 'https://u:p@a.example.com'}]", "must not carry credentials");
        assertError("""
                destinations:
                  - {name: a, url: 'https://a.example.com'}
                  - {name: a, url: 'https://b.example.com'}
                """, "destinations[1].name \"a\" is used by an earlier destination");
        assertError("destinations: [{name: a, url: 'https://a.example.com', colour: red}]",
                "Unknown setting destinations[0].colour");
        assertError("destinations: [{name: a, url: 'https://a.example.com', retry: {backoff: 1}}]",
                "Unknown setting destinations[0].retry.backoff");
        assertError("destinations: [{name: a, url: 'https://a.example.com', retry: {jitter: 2}}]",
                "destinations[0].retry.jitter must be between 0.0 and 1.0");
        assertError("destinations: [{name: a, url: 'https://a.example.com', retry: {initial_backoff_ms: 10, "
                + "max_backoff_ms: 5}}]", "max_backoff_ms (5) must not be below initial_backoff_ms (10)");
        assertError("destinations: [{name: a, url: 'https://a.example.com', timeout_seconds: 0}]",
                "destinations[0].timeout_seconds must be between 1 and 3600");
        assertError("destinations: [{name: a, url: 'https://a.example.com', concurrency: many}]",
                "destinations[0].concurrency must be a whole number");
        assertError("destinations: [{name: a, url: 'https://a.example.com', ordering: event}]",
                "destinations[0].ordering must be \"room\" or \"none\", got \"event\"");
        assertError("destinations: [{name: a, url: 'https://a.example.com', events: {include: room_started}}]",
                "destinations[0].events.include must be a list");
        assertError("destinations: [{name: a, url: 'https://a.example.com', signing: {mode: hmac}}]",
                "destinations[0].signing.mode must be \"livekit\" or \"standard-webhooks\"");
        assertError("destinations: [{name: a, url: 'https://a.example.com', signing: {mode: standard-webhooks}}]",
                "destinations[0].signing.secret (or secret_env) is required");
        assertError("destinations: [{name: a, url: 'https://a.example.com', signing: {mode: livekit, api_key: K}}]",
                "must be set together");
        assertError("destinations: [{name: a, url: 'https://a.example.com', signing: {mode: standard-webhooks, "
                + "secret_env: NOT_SET_ANYWHERE}}]", "names NOT_SET_ANYWHERE, which is not set");
    }

    @Test
    void errors_and_tostring_never_show_a_secret() throws IOException {
        String secret = "whsec_" + Base64.getEncoder().encodeToString("short-secret".getBytes(StandardCharsets.UTF_8));
        assertError("destinations: [{name: a, url: 'https://a.example.com', signing: {mode: standard-webhooks, secret: '"
                + secret + "'}}]", "decodes to 12 bytes", secret);
        assertError("destinations: [{name: a, url: 'https://a.example.com', signing: {mode: standard-webhooks, "
                + "secret: 'plain-text-password'}}]", "must start with \"whsec_\"", "plain-text-password");
        assertError("destinations: [{name: a, url: 'https://a.example.com', signing: {mode: standard-webhooks, "
                + "secret: 'whsec_!!not-base64!!'}}]", "not valid base64", "not-base64");

        assertError("destinations: [{name: a, url: 'b.example.com/hook?token=query-token-value'}]", "must be an absolute",
                "query-token-value");
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                destinations:
                  - name: a
                    url: https://a.example.com
                    signing: {mode: livekit, api_key: APIk, api_secret: very-secret-value}
                  - name: b
                    url: https://b.example.com/hook?token=query-token-value
                    signing: {mode: standard-webhooks, secret: "%s"}
                """.formatted(WHSEC));
        LivehookConfig config = new ConfigLoader(ENV).load(Optional.of(file), false);
        assertThat(config.toString()).doesNotContain("very-secret-value", WHSEC, "query-token-value",
                WHSEC.substring("whsec_".length()), "livekit-secret-value").contains("APIk", "<hidden>");
    }

    private void assertError(String yaml, String expected, String... mustNotContain) {
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(expected)
                .satisfies(e -> {
                    for (String secret : mustNotContain) {
                        assertThat(e.getMessage()).doesNotContain(secret);
                    }
                });
    }
}
