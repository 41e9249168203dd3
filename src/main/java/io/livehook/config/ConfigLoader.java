package io.livehook.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.livehook.state.StateLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

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
    private static final String KAFKA_PROPERTY_ENV = "LIVEHOOK_KAFKA_PROPERTY_";
    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /**
     * Client properties livehook sets itself, because its guarantees rest on them (a 200 only after every
     * in-sync replica has the event, no duplicates from the producer's own retries) or a setting sets them.
     */
    private static final Map<String, String> KAFKA_PROPERTIES_OWNED = Map.ofEntries(
            Map.entry("bootstrap.servers", "set kafka.bootstrap_servers (LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS) instead"),
            Map.entry("acks", "livehook always uses acks=all"),
            Map.entry("enable.idempotence", "livehook's producer is always idempotent"),
            Map.entry("transactional.id", "livehook's producer is not transactional"),
            Map.entry("delivery.timeout.ms", "set kafka.append_timeout_ms instead"),
            Map.entry("request.timeout.ms", "set kafka.append_timeout_ms instead"),
            Map.entry("max.block.ms", "set kafka.append_timeout_ms instead"),
            Map.entry("key.serializer", "livehook writes bytes"),
            Map.entry("value.serializer", "livehook writes bytes"),
            Map.entry("key.deserializer", "livehook reads bytes"),
            Map.entry("value.deserializer", "livehook reads bytes"),
            Map.entry("group.id", "livehook reads partitions directly, without a consumer group"),
            Map.entry("enable.auto.commit", "livehook keeps its read positions in its state"));

    /** The YAML file's list of destinations, whose entries {@link DestinationsReader} reads. */
    static final String DESTINATIONS = "destinations";
    /** The top-level list of the parts this process runs. */
    static final String ROLES = "roles";

    /**
     * Every setting of the YAML file by section, besides {@code destinations}. ops/livehook.example.yaml shows
     * each one (a test holds it to that).
     */
    private static final Map<String, List<String>> SECTIONS = ordered(
            Map.entry("server", List.of("host", "port", "webhook_path", "max_body_bytes", "shutdown_grace_seconds",
                    "max_connections", "read_timeout_seconds", "drain_seconds")),
            Map.entry("livekit", List.of("api_key", "api_secret", "keys", "leeway_seconds", "url")),
            Map.entry("storage", List.of("data_dir", "state_url", "state_schema", "state_pool_size")),
            Map.entry("api", List.of("token", "stream_retention_hours", "stream_max_changes")),
            Map.entry("reconcile", List.of("enabled", "interval_seconds", "anomaly_delay_seconds", "grace_seconds",
                    "settle_ms", "requests_per_second", "max_backoff_seconds", "silence_margin_seconds")),
            Map.entry("process", List.of("nice")),
            Map.entry("kafka", List.of("bootstrap_servers", "topic", "quarantine_topic", "partitions",
                    "replication_factor", "append_timeout_ms", "connect_timeout_ms", "properties")));

    private final Map<String, String> env;

    /** Every setting the YAML file may hold as a dotted path: {@code server.port}, {@code destinations[].retry.jitter}. */
    public static List<String> settingPaths() {
        List<String> paths = new ArrayList<>();
        SECTIONS.forEach((section, fields) -> fields.forEach(field -> paths.add(section + "." + field)));
        DestinationsReader.settingPaths().forEach(path -> paths.add(DESTINATIONS + "[]." + path));
        paths.add(ROLES);
        return List.copyOf(paths);
    }

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public LivehookConfig load(Optional<Path> file, boolean dev) {
        Section root = new Section("", file.map(ConfigLoader::readYaml).orElse(null));
        List<String> top = new ArrayList<>(SECTIONS.keySet());
        top.add(DESTINATIONS);
        top.add(ROLES);
        root.allowOnly(top);
        Section server = section(root, "server");
        Section livekit = section(root, "livekit");
        Section storage = root.child("storage");
        if (storage.node("state_password") != null || storage.node("state_user") != null) {
            throw new ConfigException("storage.state_user and storage.state_password are not read from the file: set "
                    + "LIVEHOOK_STATE_USER and LIVEHOOK_STATE_PASSWORD in the environment");
        }
        storage.allowOnly(SECTIONS.get("storage"));
        Section api = section(root, "api");
        Section reconcile = section(root, "reconcile");
        Section process = section(root, "process");

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

        Path dataDir = Path.of(env("LIVEHOOK_DATA_DIR").orElseGet(() -> storage.text("data_dir", "data")));
        var storageConfig = new LivehookConfig.Storage(dataDir, state(storage, dataDir));

        Optional<String> token = env("LIVEHOOK_API_TOKEN").or(() -> Optional.ofNullable(api.text("token", null)));
        token.filter(t -> !t.isBlank() && t.strip().length() < MIN_TOKEN_CHARS).ifPresent(t -> {
            throw new ConfigException("LIVEHOOK_API_TOKEN (api.token) must be at least " + MIN_TOKEN_CHARS
                    + " characters long, it has " + t.strip().length() + ": it is all that guards the API and the "
                    + "dashboard. Make one with: openssl rand -hex 32");
        });
        var destinations = new DestinationsReader(this::env, keys).read(root.node(DESTINATIONS));
        var reconcileDefaults = LivehookConfig.Reconcile.defaults();
        var reconcileConfig = new LivehookConfig.Reconcile(
                boolSetting("LIVEHOOK_RECONCILE", reconcile, "enabled", reconcileDefaults.enabled()),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_INTERVAL", reconcile, "interval_seconds",
                        reconcileDefaults.interval().toSeconds(), 1, 86_400)),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_ANOMALY_DELAY", reconcile, "anomaly_delay_seconds",
                        reconcileDefaults.anomalyDelay().toSeconds(), 0, 3600)),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_GRACE", reconcile, "grace_seconds",
                        reconcileDefaults.grace().toSeconds(), 0, 3600)),
                Duration.ofMillis(longSetting("LIVEHOOK_RECONCILE_SETTLE_MS", reconcile, "settle_ms",
                        reconcileDefaults.settle().toMillis(), 0, 60_000)),
                intSetting("LIVEHOOK_RECONCILE_RATE", reconcile, "requests_per_second",
                        reconcileDefaults.requestsPerSecond(), 1, 1000),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_MAX_BACKOFF", reconcile, "max_backoff_seconds",
                        reconcileDefaults.maxBackoff().toSeconds(), 1, 86_400)),
                Duration.ofSeconds(longSetting("LIVEHOOK_RECONCILE_SILENCE_MARGIN", reconcile, "silence_margin_seconds",
                        reconcileDefaults.silenceMargin().toSeconds(), 0, 86_400)));
        var processConfig = new LivehookConfig.Processing(intSetting("LIVEHOOK_PROCESS_NICE", process, "nice",
                LivehookConfig.Processing.defaults().nice(), 0, 19));
        return new LivehookConfig(serverConfig, livekitConfig, storageConfig, new LivehookConfig.Api(token,
                Duration.ofHours(longSetting("LIVEHOOK_STREAM_RETENTION_HOURS", api, "stream_retention_hours",
                        LivehookConfig.Api.STREAM_RETENTION.toHours(), 1, 8760)),
                longSetting("LIVEHOOK_STREAM_MAX_CHANGES", api, "stream_max_changes",
                        LivehookConfig.Api.STREAM_MAX_CHANGES, 1000, 1_000_000_000)), dev,
                destinations, reconcileConfig, processConfig, kafka(section(root, "kafka")), roles(root));
    }

    /** {@code LIVEHOOK_ROLES=ingest,process} or {@code roles: [ingest, process]}; all of them when unset. */
    private Set<Role> roles(Section root) {
        Optional<String> fromEnv = env("LIVEHOOK_ROLES");
        if (fromEnv.isPresent()) {
            return Role.parse(fromEnv.get(), "LIVEHOOK_ROLES");
        }
        JsonNode node = root.node(ROLES);
        if (node == null) {
            return Role.ALL;
        }
        if (node.isArray()) {
            List<String> names = new ArrayList<>();
            node.forEach(element -> names.add(element.asText()));
            return Role.parse(String.join(",", names), ROLES);
        }
        if (!node.isValueNode()) {
            throw new ConfigException(ROLES + " must be a list of roles or one comma-separated value");
        }
        return Role.parse(node.asText(), ROLES);
    }

    /** Present when bootstrap servers are set: then the event log is on Kafka. */
    private Optional<LivehookConfig.Kafka> kafka(Section kafka) {
        Map<String, String> properties = kafkaProperties(kafka.child("properties"));
        Optional<String> servers = env("LIVEHOOK_KAFKA_BOOTSTRAP_SERVERS")
                .or(() -> Optional.ofNullable(kafka.text("bootstrap_servers", null)))
                .map(String::strip).filter(s -> !s.isEmpty());
        if (servers.isEmpty()) {
            return Optional.empty();
        }
        String topic = topicName("LIVEHOOK_KAFKA_TOPIC", kafka, "topic", LivehookConfig.Kafka.TOPIC);
        String quarantineTopic = topicName("LIVEHOOK_KAFKA_QUARANTINE_TOPIC", kafka, "quarantine_topic",
                LivehookConfig.Kafka.QUARANTINE_TOPIC);
        if (topic.equals(quarantineTopic)) {
            throw new ConfigException("kafka.topic and kafka.quarantine_topic must differ, both are \"" + topic + "\"");
        }
        Optional<Short> replication = env("LIVEHOOK_KAFKA_REPLICATION_FACTOR").isPresent()
                || kafka.node("replication_factor") != null
                ? Optional.of((short) intSetting("LIVEHOOK_KAFKA_REPLICATION_FACTOR", kafka, "replication_factor", 0,
                        1, Short.MAX_VALUE))
                : Optional.empty();
        return Optional.of(new LivehookConfig.Kafka(servers.get(), topic, quarantineTopic,
                intSetting("LIVEHOOK_KAFKA_PARTITIONS", kafka, "partitions", LivehookConfig.Kafka.PARTITIONS, 1, 10_000),
                replication,
                Duration.ofMillis(longSetting("LIVEHOOK_KAFKA_APPEND_TIMEOUT_MS", kafka, "append_timeout_ms",
                        LivehookConfig.Kafka.APPEND_TIMEOUT.toMillis(), 100, 120_000)),
                Duration.ofMillis(longSetting("LIVEHOOK_KAFKA_CONNECT_TIMEOUT_MS", kafka, "connect_timeout_ms",
                        LivehookConfig.Kafka.CONNECT_TIMEOUT.toMillis(), 1_000, 3_600_000)),
                properties));
    }

    private String topicName(String envName, Section section, String field, String fallback) {
        String name = env(envName).orElseGet(() -> section.text(field, fallback)).strip();
        if (!TOPIC_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new ConfigException((env(envName).isPresent() ? envName : section.path(field))
                    + " must be a Kafka topic name (letters, digits, '.', '_', '-'), got \"" + name + "\"");
        }
        return name;
    }

    /**
     * {@code kafka.properties} from the file, then {@code LIVEHOOK_KAFKA_PROPERTY_<NAME>} variables, which win:
     * {@code LIVEHOOK_KAFKA_PROPERTY_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}. Values are never echoed.
     */
    private Map<String, String> kafkaProperties(Section section) {
        Map<String, String> properties = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        if (section.node() != null) {
            section.node().fields().forEachRemaining(e -> {
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw new ConfigException(section.path(e.getKey()) + " must be a single value");
                }
                properties.put(e.getKey(), e.getValue().asText());
                origin.put(e.getKey(), section.path(e.getKey()));
            });
        }
        env.keySet().stream().filter(name -> name.startsWith(KAFKA_PROPERTY_ENV)).sorted().forEach(name -> {
            String property = name.substring(KAFKA_PROPERTY_ENV.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            if (property.isEmpty()) {
                throw new ConfigException(name + " names no Kafka property: add it after the prefix, e.g. "
                        + KAFKA_PROPERTY_ENV + "SECURITY_PROTOCOL");
            }
            env(name).ifPresent(value -> {
                properties.put(property, value);
                origin.put(property, name);
            });
        });
        for (String property : properties.keySet()) {
            String why = KAFKA_PROPERTIES_OWNED.get(property);
            if (why != null) {
                throw new ConfigException(origin.get(property) + " cannot be set: " + why);
            }
        }
        return properties;
    }

    /** SQLite in the data directory unless a state URL is set; a server's credentials only from the environment. */
    private StateLocation state(Section storage, Path dataDir) {
        String where = env("LIVEHOOK_STATE_URL").isPresent() ? "LIVEHOOK_STATE_URL" : "storage.state_url";
        Optional<String> url = env("LIVEHOOK_STATE_URL").or(() -> Optional.ofNullable(storage.text("state_url", null)))
                .map(String::strip);
        String schema = env("LIVEHOOK_STATE_SCHEMA").orElseGet(() -> storage.text("state_schema",
                StateLocation.DEFAULT_SCHEMA)).strip();
        if (!schema.matches(StateLocation.SCHEMA_PATTERN)) {
            throw new ConfigException("storage.state_schema (LIVEHOOK_STATE_SCHEMA) must be lower-case letters, digits "
                    + "and _, at most 51, got \"" + schema + "\"");
        }
        int poolSize = intSetting("LIVEHOOK_STATE_POOL_SIZE", storage, "state_pool_size",
                StateLocation.DEFAULT_POOL_SIZE, 1, 200);
        if (url.isEmpty()) {
            return LivehookConfig.Storage.defaultState(dataDir);
        }
        // Checked before the URL is ever shown: a password in it would end up in messages and logs.
        if (url.get().toLowerCase(java.util.Locale.ROOT).matches(".*[?&;]password=.*|.*//[^/]*:[^/]*@.*")) {
            throw new ConfigException(where + " must not carry a password: set LIVEHOOK_STATE_PASSWORD instead");
        }
        if (!url.get().startsWith("jdbc:postgresql://") && !url.get().startsWith("jdbc:sqlite:")) {
            throw new ConfigException(where + " must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://db.internal:5432/livehook (or jdbc:sqlite:/path/state.db), got \""
                    + url.get() + "\"");
        }
        return new StateLocation(url.get(), env("LIVEHOOK_STATE_USER"), env("LIVEHOOK_STATE_PASSWORD"), schema,
                poolSize);
    }

    private static Section section(Section root, String name) {
        Section section = root.child(name);
        section.allowOnly(SECTIONS.get(name));
        return section;
    }

    @SafeVarargs
    private static Map<String, List<String>> ordered(Map.Entry<String, List<String>>... entries) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> entry : entries) {
            map.put(entry.getKey(), entry.getValue());
        }
        return Collections.unmodifiableMap(map);
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

        void allowOnly(List<String> fields) {
            if (node == null) {
                return;
            }
            Set<String> allowed = Set.copyOf(fields);
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
