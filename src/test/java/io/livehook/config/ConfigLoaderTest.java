package io.livehook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String SECRET_A = "Zq7xPw4RkT9mLc2VbN8hJd5FgY3sWe6A";
    private static final String SECRET_B = "Hu2KoI9aTr4QmX7ZpE1cVb6NwS3yDf8G";

    @TempDir
    Path dir;

    private static LivehookConfig load(Map<String, String> env) {
        return new ConfigLoader(env).load(Optional.empty(), false);
    }

    private LivehookConfig load(Map<String, String> env, String yaml, boolean dev) throws IOException {
        Path file = dir.resolve("livehook.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(env).load(Optional.of(file), dev);
    }

    private static Map<String, String> secrets(ApiKeys keys) {
        Map<String, String> out = new HashMap<>();
        for (String id : keys.keyIds()) {
            out.put(id, keys.secretFor(id).orElseThrow());
        }
        return out;
    }

    @Test
    void apiKeyAndSecretFromTheEnvironment() {
        LivehookConfig config = load(Map.of("LIVEKIT_API_KEY", "APIabc", "LIVEKIT_API_SECRET", SECRET_A));
        assertThat(secrets(config.livekit().keys())).isEqualTo(Map.of("APIabc", SECRET_A));
        assertThat(config.dev()).isFalse();
    }

    @Test
    void defaults() {
        LivehookConfig config = load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A));
        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().webhookPath()).isEqualTo("/webhook");
        assertThat(config.server().maxBodyBytes()).isEqualTo(1 << 20);
        assertThat(config.livekit().leeway()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.storage().dataDir()).isEqualTo(Path.of("data"));
        assertThat(config.storage().state().url()).isEqualTo("jdbc:sqlite:" + Path.of("data", "state.db").toAbsolutePath());
    }

    // -- where the state lives -------------------------------------------------------------------------

    @Test
    void theStateIsASqliteFileInTheDataDirectoryUnlessAUrlIsSet() throws IOException {
        LivehookConfig config = load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A,
                "LIVEHOOK_DATA_DIR", dir.toString()));
        assertThat(config.storage().state().url()).isEqualTo("jdbc:sqlite:" + dir.resolve("state.db").toAbsolutePath());

        LivehookConfig postgres = load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A,
                "LIVEHOOK_STATE_USER", "livehook", "LIVEHOOK_STATE_PASSWORD", SECRET_B), """
                storage:
                  state_url: jdbc:postgresql://db.internal:5432/livehook
                  state_schema: webhooks
                  state_pool_size: 16
                """, false);
        var state = postgres.storage().state();
        assertThat(state.url()).isEqualTo("jdbc:postgresql://db.internal:5432/livehook");
        assertThat(state.user()).contains("livehook");
        assertThat(state.password()).contains(SECRET_B);
        assertThat(state.schema()).isEqualTo("webhooks");
        assertThat(state.poolSize()).isEqualTo(16);
        assertThat(postgres.toString()).doesNotContain(SECRET_B);

        LivehookConfig fromEnv = load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A,
                "LIVEHOOK_STATE_URL", "jdbc:postgresql://other:5433/x"), "storage:\n  state_url: jdbc:postgresql://db/y\n",
                false);
        assertThat(fromEnv.storage().state().url()).as("the environment wins").isEqualTo("jdbc:postgresql://other:5433/x");
        assertThat(fromEnv.storage().state().schema()).isEqualTo("livehook");
        assertThat(fromEnv.storage().state().poolSize()).isEqualTo(10);
    }

    @Test
    void aStatePasswordIsReadFromTheEnvironmentOnly_neverFromTheFileOrTheUrl() {
        assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A),
                "storage:\n  state_password: " + SECRET_B + "\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_STATE_PASSWORD")
                .hasMessageNotContaining(SECRET_B);
        for (String url : List.of("jdbc:postgresql://db/livehook?user=lh&password=" + SECRET_B,
                "jdbc:postgresql://lh:" + SECRET_B + "@db/livehook")) {
            assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A,
                    "LIVEHOOK_STATE_URL", url)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("LIVEHOOK_STATE_URL must not carry a password")
                    .hasMessageNotContaining(SECRET_B);
        }
    }

    @Test
    void malformedStateSettingsAreNamed() {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_STATE_URL", "postgres://db/livehook")))
                .hasMessageContaining("LIVEHOOK_STATE_URL must be a PostgreSQL JDBC URL");
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_STATE_SCHEMA", "Live-Hook")))
                .hasMessageContaining("storage.state_schema (LIVEHOOK_STATE_SCHEMA)");
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_STATE_POOL_SIZE", "0")))
                .hasMessageContaining("LIVEHOOK_STATE_POOL_SIZE must be between 1 and 200");
    }

    @Test
    void reconcileSettingsDefaultFromYamlAndFromTheEnvironment() throws IOException {
        var defaults = load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A)).reconcile();
        assertThat(defaults).isEqualTo(LivehookConfig.Reconcile.defaults());
        assertThat(defaults.enabled()).isTrue();
        assertThat(defaults.interval()).isEqualTo(Duration.ofSeconds(60));

        var fromYaml = load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A,
                "LIVEHOOK_RECONCILE_INTERVAL", "15"), """
                livekit:
                  url: wss://demo.livekit.cloud
                reconcile:
                  enabled: false
                  interval_seconds: 30
                  anomaly_delay_seconds: 2
                  grace_seconds: 20
                  settle_ms: 500
                  requests_per_second: 4
                  max_backoff_seconds: 60
                  silence_margin_seconds: 30
                """, false);
        assertThat(fromYaml.livekit().url()).contains("wss://demo.livekit.cloud");
        assertThat(fromYaml.reconcile()).isEqualTo(new LivehookConfig.Reconcile(false, Duration.ofSeconds(15),
                Duration.ofSeconds(2), Duration.ofSeconds(20), Duration.ofMillis(500), 4, Duration.ofSeconds(60),
                Duration.ofSeconds(30)));

        assertThat(load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A, "LIVEHOOK_RECONCILE", "off"))
                .reconcile().enabled()).isFalse();
    }

    @Test
    void badReconcileSettingsStopTheStartWithTheirName() {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_RECONCILE", "maybe")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIVEHOOK_RECONCILE must be true or false");
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_RECONCILE_INTERVAL", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIVEHOOK_RECONCILE_INTERVAL must be between");
        assertThatThrownBy(() -> load(with(keys, "LIVEKIT_URL", "demo.livekit.cloud")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIVEKIT_URL (livekit.url) must be");
    }

    @Test
    void connectionSettingsDefaultAndComeFromYamlOrTheEnvironment() throws IOException {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        LivehookConfig.Server defaults = load(keys).server();
        assertThat(defaults.maxConnections()).as("0: from the open-file limit").isZero();
        assertThat(defaults.readTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.drain()).isEqualTo(Duration.ofSeconds(2));
        LivehookConfig.Server fromFile = load(keys, """
                server:
                  max_connections: 500
                  read_timeout_seconds: 5
                  drain_seconds: 0
                """, false).server();
        assertThat(fromFile.maxConnections()).isEqualTo(500);
        assertThat(fromFile.readTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(fromFile.drain()).isZero();
        LivehookConfig.Server fromEnv = load(with(with(with(keys, "LIVEHOOK_MAX_CONNECTIONS", "100"),
                "LIVEHOOK_READ_TIMEOUT_SECONDS", "30"), "LIVEHOOK_DRAIN_SECONDS", "5")).server();
        assertThat(fromEnv.maxConnections()).isEqualTo(100);
        assertThat(fromEnv.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(fromEnv.drain()).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_READ_TIMEOUT_SECONDS", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_READ_TIMEOUT_SECONDS must be between 1 and 3600, got 0");
    }

    @Test
    void anApiTokenShorterThan32CharactersStopsTheStartAndIsNeverShown() throws IOException {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_API_TOKEN", "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_API_TOKEN (api.token) must be at least 32 characters long, it has 1")
                .hasMessageContaining("openssl rand -hex 32");
        String shortToken = "only-thirty-one-characters-long";
        assertThatThrownBy(() -> load(keys, "api:\n  token: " + shortToken + "\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("it has 31")
                .message().doesNotContain(shortToken);
        assertThat(load(with(keys, "LIVEHOOK_API_TOKEN", SECRET_B)).api().token()).hasValue(SECRET_B);
    }

    @Test
    void processNiceDefaultsTo10_andComesFromYamlOrTheEnvironment() throws IOException {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThat(load(keys).process().nice()).isEqualTo(10);
        assertThat(load(keys).process()).isEqualTo(LivehookConfig.Processing.defaults());
        assertThat(load(with(keys, "LIVEHOOK_PROCESS_NICE", "0")).process().nice()).isZero();
        assertThat(load(keys, """
                process:
                  nice: 19
                """, false).process().nice()).isEqualTo(19);
        assertThat(load(with(keys, "LIVEHOOK_PROCESS_NICE", "5"), """
                process:
                  nice: 19
                """, false).process().nice()).isEqualTo(5);
    }

    @Test
    void aProcessNiceOutside0To19StopsTheStartWithItsName() {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_PROCESS_NICE", "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_PROCESS_NICE must be between 0 and 19, got -1");
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_PROCESS_NICE", "20")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_PROCESS_NICE must be between 0 and 19, got 20");
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_PROCESS_NICE", "low")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_PROCESS_NICE must be a whole number, got \"low\"");
        assertThatThrownBy(() -> load(keys, """
                process:
                  nice: 20
                """, false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("process.nice must be between 0 and 19, got 20");
        assertThatThrownBy(() -> load(keys, """
                process:
                  nice: low
                """, false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("process.nice must be a whole number");
    }

    @Test
    void liveKitKeysCommaForm() {
        LivehookConfig config = load(Map.of("LIVEKIT_KEYS", "k1: s1, k2: s2"));
        assertThat(secrets(config.livekit().keys())).isEqualTo(Map.of("k1", "s1", "k2", "s2"));
        assertThat(config.livekit().keys().primary().orElseThrow().getKey()).isEqualTo("k1");
    }

    @Test
    void liveKitKeysNewlineForm() {
        LivehookConfig config = load(Map.of("LIVEKIT_KEYS", "k1: s1\nk2:s2\n\n  k3 :  s3  \n"));
        assertThat(secrets(config.livekit().keys())).isEqualTo(Map.of("k1", "s1", "k2", "s2", "k3", "s3"));
    }

    @Test
    void liveKitKeysAddToTheSinglePair() {
        LivehookConfig config = load(Map.of("LIVEKIT_API_KEY", "k0", "LIVEKIT_API_SECRET", SECRET_A,
                "LIVEKIT_KEYS", "k1: " + SECRET_B));
        assertThat(secrets(config.livekit().keys())).isEqualTo(Map.of("k0", SECRET_A, "k1", SECRET_B));
    }

    @Test
    void keysFromTheYamlFile() throws IOException {
        LivehookConfig config = load(Map.of(), """
                livekit:
                  api_key: main
                  api_secret: %s
                  keys:
                    rotated: %s
                """.formatted(SECRET_A, SECRET_B), false);
        assertThat(secrets(config.livekit().keys())).isEqualTo(Map.of("main", SECRET_A, "rotated", SECRET_B));
    }

    @Test
    void environmentOverridesTheYamlFile() throws IOException {
        LivehookConfig config = load(Map.of("LIVEKIT_API_KEY", "main", "LIVEKIT_API_SECRET", SECRET_B,
                        "LIVEHOOK_PORT", "9999", "LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_DATA_DIR", "/var/lib/x",
                        "LIVEHOOK_LEEWAY_SECONDS", "5"), """
                server:
                  host: 0.0.0.0
                  port: 8081
                  webhook_path: /hooks/livekit
                  max_body_bytes: 4096
                livekit:
                  api_key: main
                  api_secret: %s
                  leeway_seconds: 30
                storage:
                  data_dir: /tmp/from-yaml
                """.formatted(SECRET_A), false);
        assertThat(secrets(config.livekit().keys())).isEqualTo(Map.of("main", SECRET_B));
        assertThat(config.server().port()).isEqualTo(9999);
        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.storage().dataDir()).isEqualTo(Path.of("/var/lib/x"));
        assertThat(config.livekit().leeway()).isEqualTo(Duration.ofSeconds(5));
        // Not overridden: taken from the file.
        assertThat(config.server().webhookPath()).isEqualTo("/hooks/livekit");
        assertThat(config.server().maxBodyBytes()).isEqualTo(4096);
    }

    @Test
    void devAddsLiveKitsDevKeyPair() throws IOException {
        LivehookConfig config = new ConfigLoader(Map.of()).load(Optional.empty(), true);
        assertThat(secrets(config.livekit().keys())).isEqualTo(Map.of("devkey", "secret"));
        assertThat(config.dev()).isTrue();

        LivehookConfig both = new ConfigLoader(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A))
                .load(Optional.empty(), true);
        assertThat(secrets(both.livekit().keys())).isEqualTo(Map.of("k", SECRET_A, "devkey", "secret"));
    }

    @Test
    void noKeysAndNoDevIsAnErrorThatSaysWhatToSet() {
        assertThatThrownBy(() -> load(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEKIT_API_KEY")
                .hasMessageContaining("LIVEKIT_API_SECRET")
                .hasMessageContaining("--dev");
        // Blank values count as unset.
        assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_KEY", " ", "LIVEKIT_API_SECRET", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEKIT_API_KEY");
    }

    @Test
    void halfAPairIsAnError() {
        assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_KEY", "k")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set together");
        assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_SECRET", SECRET_A)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("must be set together")
                .hasMessageNotContaining(SECRET_A);
    }

    @Test
    void unknownYamlSettingIsNamed() {
        assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A),
                "server:\n  prot: 8080\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Unknown setting server.prot")
                .hasMessageContaining("port");
        assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A),
                "livekit:\n  apikey: k\n  api_secret: " + SECRET_B + "\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Unknown setting livekit.apikey")
                .hasMessageNotContaining(SECRET_B);
        assertThatThrownBy(() -> load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A),
                "sever:\n  port: 8080\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Unknown setting sever");
    }

    @Test
    void badNumbersAreNamedWithTheirSource() {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_PORT", "eighty")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_PORT must be a whole number")
                .hasMessageContaining("eighty");
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_PORT", "70000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_PORT must be between 0 and 65535");
        assertThatThrownBy(() -> load(with(keys, "LIVEHOOK_MAX_BODY_BYTES", "1.5")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_MAX_BODY_BYTES must be a whole number");
        assertThatThrownBy(() -> load(keys, "server:\n  port: \"8080x\"\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.port must be a whole number");
        assertThatThrownBy(() -> load(keys, "server:\n  max_body_bytes: 12.5\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.max_body_bytes must be a whole number");
        assertThatThrownBy(() -> load(keys, "livekit:\n  leeway_seconds: -1\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("livekit.leeway_seconds must be between 0 and 3600");
    }

    @Test
    void otherFileMistakesAreNamed() {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThatThrownBy(() -> load(keys, "server:\n  webhook_path: webhook\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.webhook_path must start with '/'");
        assertThatThrownBy(() -> load(keys, "- a\n- b\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("the config file must be a mapping");
        assertThatThrownBy(() -> load(keys, "livekit:\n  keys: [a, b]\n", false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("livekit.keys must be a map");
        assertThatThrownBy(() -> new ConfigLoader(keys).load(Optional.of(dir.resolve("missing.yaml")), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing.yaml");
    }

    @Test
    void anEmptyFileIsNoSettings() throws IOException {
        LivehookConfig config = load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A), "", false);
        assertThat(config.server().port()).isEqualTo(8080);
    }

    @Test
    void yamlKeyWithoutASecretIsAnErrorNotTheSecretNull() {
        // "mykey:" with nothing after it is YAML null. It must not become a key whose secret is "null" (or "").
        for (String yaml : List.of("livekit:\n  keys:\n    mykey:\n", "livekit:\n  keys:\n    mykey: \"\"\n",
                "livekit:\n  keys:\n    mykey: {a: b}\n", "livekit:\n  keys:\n    mykey: [x]\n")) {
            ConfigException e = catchThrowableOfType(ConfigException.class,
                    () -> load(Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A), yaml, false));
            assertThat(e).as(yaml).isNotNull();
            assertThat(e.getMessage()).contains("livekit.keys").contains("mykey").doesNotContain(SECRET_A);
        }
    }


    @Test
    void apiKeysToStringNamesKeysOnly() {
        ApiKeys keys = ApiKeys.parseLiveKitKeys("k1: " + SECRET_A + "\nk2: " + SECRET_B);
        assertThat(keys.toString()).contains("k1").contains("k2").doesNotContain(SECRET_A).doesNotContain(SECRET_B)
                .doesNotContain("=");
        LivehookConfig config = load(Map.of("LIVEKIT_KEYS", "k1: " + SECRET_A, "LIVEHOOK_API_TOKEN", SECRET_B));
        assertThat(config.toString()).contains("k1").doesNotContain(SECRET_A).doesNotContain(SECRET_B);
    }

    @Test
    void configErrorsNeverContainASecret() {
        // Every malformed form we can think of, each built around a secret that must not be echoed back.
        List<Map<String, String>> envs = List.of(
                Map.of("LIVEKIT_API_SECRET", SECRET_A),
                Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A, "LIVEKIT_KEYS", SECRET_B),
                Map.of("LIVEKIT_KEYS", "k1 " + SECRET_B),
                Map.of("LIVEKIT_KEYS", ": " + SECRET_B),
                Map.of("LIVEKIT_KEYS", "k1: " + SECRET_A + ", " + SECRET_B),
                Map.of("LIVEKIT_KEYS", "k1: " + SECRET_A + "\n" + SECRET_B + ":"),
                Map.of("LIVEKIT_KEYS", "k1=" + SECRET_B),
                Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A, "LIVEHOOK_PORT", "x"));
        for (Map<String, String> env : envs) {
            ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(env));
            assertThat(e).as("%s", env.keySet()).isNotNull();
            assertNoSecretIn(e.getMessage());
        }
    }

    private static void assertNoSecretIn(String message) {
        for (String secret : List.of(SECRET_A, SECRET_B)) {
            // Not the secret, and not a recognisable piece of it either.
            for (int i = 0; i + 6 <= secret.length(); i++) {
                assertThat(message).doesNotContain(secret.substring(i, i + 6));
            }
        }
    }

    @Test
    void withoutBootstrapServersTheLogStaysInTheDataDirectory() throws IOException {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        assertThat(load(keys).kafka()).isEmpty();
        // Other kafka settings alone do not switch it on.
        assertThat(load(keys, """
                kafka:
                  topic: events
                """, false).kafka()).isEmpty();
    }

    @Test
    void kafkaSettingsHaveDefaultsAndComeFromYamlOrTheEnvironment() throws IOException {
        Map<String, String> keys = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A);
        var defaults = load(with(keys, "LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS", " kafka-1:9092,kafka-2:9092 ")).kafka()
                .orElseThrow();
        assertThat(defaults).isEqualTo(LivehookConfig.Kafka.at("kafka-1:9092,kafka-2:9092"));
        assertThat(defaults.topic()).isEqualTo("livehook.events");
        assertThat(defaults.quarantineTopic()).isEqualTo("livehook.quarantine");
        assertThat(defaults.partitions()).isEqualTo(12);
        assertThat(defaults.replicationFactor()).isEmpty();
        assertThat(defaults.appendTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(defaults.connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.properties()).isEmpty();

        String yaml = """
                kafka:
                  bootstrap_servers: yaml-kafka:9092
                  topic: lk.events
                  quarantine_topic: lk.quarantine
                  partitions: 24
                  replication_factor: 3
                  append_timeout_ms: 2000
                  connect_timeout_ms: 10000
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                    linger.ms: 2
                """;
        var fromYaml = load(keys, yaml, false).kafka().orElseThrow();
        assertThat(fromYaml).isEqualTo(new LivehookConfig.Kafka("yaml-kafka:9092", "lk.events", "lk.quarantine", 24,
                Optional.of((short) 3), Duration.ofMillis(2000), Duration.ofSeconds(10),
                Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "linger.ms", "2")));

        Map<String, String> env = new HashMap<>(keys);
        env.put("LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS", "env-kafka:9093");
        env.put("LIVEHOOK_KAFKA_TOPIC", "env.events");
        env.put("LIVEHOOK_KAFKA_PARTITIONS", "6");
        env.put("LIVEHOOK_KAFKA_REPLICATION_FACTOR", "2");
        env.put("LIVEHOOK_KAFKA_APPEND_TIMEOUT_MS", "1500");
        env.put("LIVEHOOK_KAFKA_PROPERTY_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule "
                + "required username=\"livehook\" password=\"" + SECRET_B + "\";");
        env.put("LIVEHOOK_KAFKA_PROPERTY_SASL_MECHANISM", "PLAIN");
        var fromEnv = load(env, yaml, false).kafka().orElseThrow();
        assertThat(fromEnv.bootstrapServers()).isEqualTo("env-kafka:9093");
        assertThat(fromEnv.topic()).isEqualTo("env.events");
        assertThat(fromEnv.quarantineTopic()).isEqualTo("lk.quarantine");
        assertThat(fromEnv.partitions()).isEqualTo(6);
        assertThat(fromEnv.replicationFactor()).contains((short) 2);
        assertThat(fromEnv.appendTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(fromEnv.properties()).containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsKey("sasl.jaas.config");
        assertThat(fromEnv.properties().get("sasl.jaas.config")).contains(SECRET_B);
        // The settings print without the properties' values: a secret may be among them.
        assertThat(fromEnv.toString()).doesNotContain(SECRET_B).doesNotContain("PLAIN").contains("sasl.jaas.config");
    }

    @Test
    void badKafkaSettingsStopTheStartWithTheirNameAndNeverTheSecret() throws IOException {
        Map<String, String> kafka = Map.of("LIVEKIT_API_KEY", "k", "LIVEKIT_API_SECRET", SECRET_A,
                "LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        assertThatThrownBy(() -> load(with(kafka, "LIVEHOOK_KAFKA_PARTITIONS", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("LIVEHOOK_KAFKA_PARTITIONS must be between 1");
        assertThatThrownBy(() -> load(with(kafka, "LIVEHOOK_KAFKA_APPEND_TIMEOUT_MS", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_KAFKA_APPEND_TIMEOUT_MS must be a whole number");
        assertThatThrownBy(() -> load(with(kafka, "LIVEHOOK_KAFKA_TOPIC", "events/all")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("LIVEHOOK_KAFKA_TOPIC must be a Kafka topic name");
        assertThatThrownBy(() -> load(with(kafka, "LIVEHOOK_KAFKA_QUARANTINE_TOPIC", "livehook.events")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.topic and kafka.quarantine_topic must differ");
        // livehook's guarantees rest on these: the setting is refused, with what to do instead.
        assertThatThrownBy(() -> load(with(kafka, "LIVEHOOK_KAFKA_PROPERTY_ACKS", "1")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("LIVEHOOK_KAFKA_PROPERTY_ACKS cannot be set: livehook always uses acks=all");
        assertThatThrownBy(() -> load(kafka, """
                kafka:
                  properties:
                    request.timeout.ms: 30000
                """, false))
                .isInstanceOf(ConfigException.class)
                .hasMessage("kafka.properties.request.timeout.ms cannot be set: set kafka.append_timeout_ms instead");
        assertThatThrownBy(() -> load(kafka, """
                kafka:
                  properties:
                    sasl.jaas.config:
                      nested: %s
                """.formatted(SECRET_B), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.properties.sasl.jaas.config must be a single value")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET_B));
        assertThatThrownBy(() -> load(kafka, """
                kafka:
                  brokers: kafka:9092
                """, false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Unknown setting kafka.brokers");
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        Map<String, String> out = new HashMap<>(env);
        out.put(name, value);
        return out;
    }
}
