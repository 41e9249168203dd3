package io.livehook.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the YAML file (optional), then environment variables, which win. LiveKit's own variable names
 * are used where LiveKit has one ({@code LIVEKIT_API_KEY}, {@code LIVEKIT_API_SECRET}, {@code LIVEKIT_KEYS},
 * {@code LIVEKIT_URL}); livehook's own settings use {@code LIVEHOOK_*}.
 */
public final class ConfigLoader {
    public static final String DEV_KEY = "devkey";
    public static final String DEV_SECRET = "secret";
    /** Shorter API tokens can be guessed; 32 random characters cannot. */
    public static final int MIN_TOKEN_CHARS = 32;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public LivehookConfig load(Optional<Path> file, boolean dev) {
        Section root = new Section("", file.map(ConfigLoader::readYaml).orElse(null));
        root.allowOnly("server", "livekit", "storage", "api", "destinations", "reconcile", "process");
        Section server = root.child("server");
        server.allowOnly("host", "port", "webhook_path", "max_body_bytes", "shutdown_grace_seconds", "max_connections",
                "read_timeout_seconds", "drain_seconds");
        Section livekit = root.child("livekit");
        livekit.allowOnly("api_key", "api_secret", "keys", "leeway_seconds", "url");
        Section storage = root.child("storage");
        storage.allowOnly("data_dir");
        Section api = root.child("api");
        api.allowOnly("token");
        Section reconcile = root.child("reconcile");
        reconcile.allowOnly("enabled", "interval_seconds", "anomaly_delay_seconds", "grace_seconds", "settle_ms",
                "requests_per_second", "max_backoff_seconds");
        Section process = root.child("process");
        process.allowOnly("nice");

        String webhookPath = env("LIVEHOOK_WEBHOOK_PATH").orElseGet(() -> server.text("webhook_path", "/webhook"));
        if (!webhookPath.startsWith("/")) {
            throw new ConfigException("server.webhook_path must start with '/', got \"" + webhookPath + "\"");
        }
        var serverConfig = new LivehookConfig.Server(
                env("LIVEHOOK_HOST").orElseGet(() -> server.text("host", "0.0.0.0")),
                intSetting("LIVEHOOK_PORT", server, "port", 8080, 0, 65535),
                webhookPath,
                longSetting("LIVEHOOK_MAX_BODY_BYTES", server, "max_body_bytes", 1 << 20, 1024, 64L << 20),
                Duration.ofSeconds(intSetting("LIVEHOOK_SHUTDOWN_GRACE_SECONDS", server, "shutdown_grace_seconds", 10, 0, 600)),
                intSetting("LIVEHOOK_MAX_CONNECTIONS", server, "max_connections", 0, 0, 1_000_000),
                Duration.ofSeconds(intSetting("LIVEHOOK_READ_TIMEOUT_SECONDS", server, "read_timeout_seconds", 10, 1, 3600)),
                Duration.ofSeconds(intSetting("LIVEHOOK_DRAIN_SECONDS", server, "drain_seconds", 2, 0, 60)));

        ApiKeys keys = keysFrom(livekit, dev);
        var livekitConfig = new LivehookConfig.LiveKit(
                keys,
                Duration.ofSeconds(intSetting("LIVEHOOK_LEEWAY_SECONDS", livekit, "leeway_seconds", 60, 0, 3600)),
                liveKitUrl(env("LIVEKIT_URL").or(() -> Optional.ofNullable(livekit.text("url", null)))));

        var storageConfig = new LivehookConfig.Storage(
                Path.of(env("LIVEHOOK_DATA_DIR").orElseGet(() -> storage.text("data_dir", "data"))));

        Optional<String> token = env("LIVEHOOK_API_TOKEN").or(() -> Optional.ofNullable(api.text("token", null)));
        token.filter(t -> !t.isBlank() && t.strip().length() < MIN_TOKEN_CHARS).ifPresent(t -> {
            throw new ConfigException("LIVEHOOK_API_TOKEN (api.token) must be at least " + MIN_TOKEN_CHARS
                    + " characters long, it has " + t.strip().length() + ": it is all that guards the API and the "
                    + "dashboard. Make one with: openssl rand -hex 32");
        });
        var destinations = new DestinationsReader(this::env, keys).read(root.node("destinations"));
        var reconcileConfig = new LivehookConfig.Reconcile(
                boolSetting("LIVEHOOK_RECONCILE", reconcile, "enabled", true),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_INTERVAL", reconcile, "interval_seconds", 60, 1, 86_400)),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_ANOMALY_DELAY", reconcile, "anomaly_delay_seconds",
                        5, 0, 3600)),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_GRACE", reconcile, "grace_seconds", 10, 0, 3600)),
                Duration.ofMillis(longSetting("LIVEHOOK_RECONCILE_SETTLE_MS", reconcile, "settle_ms", 2000, 0, 60_000)),
                intSetting("LIVEHOOK_RECONCILE_RATE", reconcile, "requests_per_second", 10, 1, 1000),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_MAX_BACKOFF", reconcile, "max_backoff_seconds",
                        300, 1, 86_400)));
        var processConfig = new LivehookConfig.Processing(intSetting("LIVEHOOK_PROCESS_NICE", process, "nice",
                LivehookConfig.Processing.defaults().nice(), 0, 19));
        return new LivehookConfig(serverConfig, livekitConfig, storageConfig, new LivehookConfig.Api(token), dev,
                destinations, reconcileConfig, processConfig);
    }

    private ApiKeys keysFrom(Section livekit, boolean dev) {
        ApiKeys keys = ApiKeys.none();
        JsonNode fileKeys = livekit.node("keys");
        if (fileKeys != null) {
            if (!fileKeys.isObject()) {
                throw new ConfigException("livekit.keys must be a map of key: secret");
            }
            Map<String, String> map = new LinkedHashMap<>();
            fileKeys.fields().forEachRemaining(e -> {
                // "key:" with no value is YAML null, whose asText() is "null": never let that become a secret.
                JsonNode secret = e.getValue();
                if (secret == null || secret.isNull() || !secret.isValueNode() || secret.asText().isBlank()) {
                    throw new ConfigException("livekit.keys." + e.getKey()
                            + " must be that key's secret, a non-empty string");
                }
                map.put(e.getKey(), secret.asText());
            });
            keys = keys.withAll(new ApiKeys(map));
        }
        String fileKey = livekit.text("api_key", null);
        String fileSecret = livekit.text("api_secret", null);
        keys = withPair(keys, fileKey, fileSecret, "livekit.api_key", "livekit.api_secret");
        keys = withPair(keys, env("LIVEKIT_API_KEY").orElse(null), env("LIVEKIT_API_SECRET").orElse(null),
                "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET");
        Optional<String> liveKitKeys = env("LIVEKIT_KEYS");
        if (liveKitKeys.isPresent()) {
            keys = keys.withAll(ApiKeys.parseLiveKitKeys(liveKitKeys.get()));
        }
        if (dev) {
            keys = keys.with(DEV_KEY, DEV_SECRET);
        }
        if (keys.isEmpty()) {
            throw new ConfigException("No LiveKit API key: set LIVEKIT_API_KEY and LIVEKIT_API_SECRET (the pair your "
                    + "LiveKit server signs webhooks with), or LIVEKIT_KEYS=\"key1: secret1, key2: secret2\" for several, "
                    + "or run with --dev to accept livekit-server --dev's devkey/secret.");
        }
        return keys;
    }

    private static ApiKeys withPair(ApiKeys keys, String key, String secret, String keyName, String secretName) {
        if (key == null && secret == null) {
            return keys;
        }
        if (key == null || key.isBlank() || secret == null || secret.isBlank()) {
            throw new ConfigException(keyName + " and " + secretName + " must be set together");
        }
        return keys.with(key.strip(), secret.strip());
    }

    private Optional<String> env(String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    private static Optional<String> liveKitUrl(Optional<String> url) {
        if (url.isPresent() && !url.get().strip().matches("(?i)(https?|wss?)://[^/\\s]+.*")) {
            throw new ConfigException("LIVEKIT_URL (livekit.url) must be an http(s) or ws(s) URL such as "
                    + "https://project.livekit.cloud, got \"" + url.get() + "\"");
        }
        return url.map(String::strip);
    }

    private boolean boolSetting(String envName, Section section, String field, boolean fallback) {
        Optional<String> fromEnv = env(envName);
        if (fromEnv.isPresent()) {
            return switch (fromEnv.get().strip().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "on", "yes" -> true;
                case "false", "0", "off", "no" -> false;
                default -> throw new ConfigException(envName + " must be true or false, got \"" + fromEnv.get() + "\"");
            };
        }
        JsonNode node = section.node(field);
        if (node == null) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw new ConfigException(section.path(field) + " must be true or false, got " + node);
        }
        return node.asBoolean();
    }

    private int intSetting(String envName, Section section, String field, int fallback, int min, int max) {
        return (int) longSetting(envName, section, field, fallback, min, max);
    }

    private long longSetting(String envName, Section section, String field, long fallback, long min, long max) {
        Optional<String> fromEnv = env(envName);
        String where = fromEnv.isPresent() ? envName : section.path(field);
        long value;
        if (fromEnv.isPresent()) {
            try {
                value = Long.parseLong(fromEnv.get().strip());
            } catch (NumberFormatException e) {
                throw new ConfigException(envName + " must be a whole number, got \"" + fromEnv.get() + "\"");
            }
        } else {
            JsonNode node = section.node(field);
            if (node == null) {
                return fallback;
            }
            if (!node.canConvertToLong() || !node.isIntegralNumber()) {
                throw new ConfigException(where + " must be a whole number, got " + node);
            }
            value = node.asLong();
        }
        if (value < min || value > max) {
            throw new ConfigException(where + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    private static JsonNode readYaml(Path file) {
        try {
            JsonNode node = YAML.readTree(Files.readAllBytes(file));
            return node == null || node.isMissingNode() || node.isNull() ? null : node;
        } catch (IOException e) {
            throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** One mapping of the YAML file, with its dotted path for error messages. */
    private record Section(String prefix, JsonNode node) {
        Section {
            if (node != null && !node.isObject()) {
                throw new ConfigException((prefix.isEmpty() ? "the config file" : prefix) + " must be a mapping");
            }
        }

        Section child(String name) {
            return new Section(path(name), node(name));
        }

        String path(String field) {
            return prefix.isEmpty() ? field : prefix + "." + field;
        }

        JsonNode node(String field) {
            if (node == null) {
                return null;
            }
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value;
        }

        String text(String field, String fallback) {
            JsonNode value = node(field);
            if (value == null) {
                return fallback;
            }
            if (!value.isValueNode()) {
                throw new ConfigException(path(field) + " must be a single value");
            }
            return value.asText();
        }

        void allowOnly(String... fields) {
            if (node == null) {
                return;
            }
            Set<String> allowed = Set.of(fields);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!allowed.contains(name)) {
                    throw new ConfigException("Unknown setting " + path(name) + " (known here: "
                            + String.join(", ", fields) + ")");
                }
            }
        }
    }
}
