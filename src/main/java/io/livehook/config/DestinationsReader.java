package io.livehook.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.config.DestinationConfig.Circuit;
import io.livehook.config.DestinationConfig.Events;
import io.livehook.config.DestinationConfig.Mode;
import io.livehook.config.DestinationConfig.Retry;
import io.livehook.config.DestinationConfig.Signing;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads the {@code destinations:} list of the YAML file. Every error names the setting by its path
 * ({@code destinations[0].retry.jitter}); no error ever quotes a secret.
 */
final class DestinationsReader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String WHSEC = "whsec_";
    private static final int MIN_WHSEC_BYTES = 24;

    /** The settings of one entry, and of each mapping below it; signing's depend on its mode. */
    private static final List<String> DESTINATION = List.of("name", "url", "events", "timeout_seconds", "retry",
            "concurrency", "ordering", "signing", "circuit");
    private static final List<String> EVENTS = List.of("include", "exclude");
    private static final List<String> RETRY = List.of("initial_backoff_ms", "max_backoff_ms", "multiplier", "jitter",
            "max_attempts", "max_age_seconds");
    private static final List<String> CIRCUIT = List.of("failure_threshold", "open_seconds");
    private static final List<String> LIVEKIT_SIGNING = List.of("mode", "api_key", "api_secret", "api_secret_env");
    private static final List<String> STANDARD_WEBHOOKS_SIGNING = List.of("mode", "secret", "secret_env");

    private final Function<String, Optional<String>> env;
    private final ApiKeys liveKitKeys;

    DestinationsReader(Function<String, Optional<String>> env, ApiKeys liveKitKeys) {
        this.env = env;
        this.liveKitKeys = liveKitKeys;
    }

    /** Every setting of an entry as a dotted path below it: {@code url}, {@code retry.jitter}, ... */
    static List<String> settingPaths() {
        Set<String> paths = new LinkedHashSet<>(DESTINATION);
        EVENTS.forEach(field -> paths.add("events." + field));
        RETRY.forEach(field -> paths.add("retry." + field));
        CIRCUIT.forEach(field -> paths.add("circuit." + field));
        LIVEKIT_SIGNING.forEach(field -> paths.add("signing." + field));
        STANDARD_WEBHOOKS_SIGNING.forEach(field -> paths.add("signing." + field));
        return List.copyOf(paths);
    }

    List<DestinationConfig> read(JsonNode list) {
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException("destinations must be a list, each entry with at least name and url");
        }
        List<DestinationConfig> destinations = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            DestinationConfig destination = destination("destinations[" + i + "]", list.get(i));
            if (!names.add(destination.name())) {
                throw new ConfigException("destinations[" + i + "].name \"" + destination.name()
                        + "\" is used by an earlier destination; names must be unique");
            }
            destinations.add(destination);
        }
        return List.copyOf(destinations);
    }

    private DestinationConfig destination(String path, JsonNode node) {
        mapping(path, node);
        allowOnly(path, node, DESTINATION);
        String name = requiredText(path, node, "name");
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException(path + ".name must be 1-64 letters, digits, '_', '.' or '-' (starting with a "
                    + "letter or digit), got \"" + name + "\"");
        }
        return new DestinationConfig(
                name,
                url(path + ".url", requiredText(path, node, "url")),
                events(path + ".events", node.get("events")),
                Duration.ofSeconds(whole(path, node, "timeout_seconds", 30, 1, 3600)),
                retry(path + ".retry", node.get("retry")),
                (int) whole(path, node, "concurrency", 32, 1, 1024),
                ordering(path, node),
                signing(path + ".signing", node.get("signing")),
                circuit(path + ".circuit", node.get("circuit")));
    }

    private static DestinationConfig.Ordering ordering(String path, JsonNode node) {
        String value = text(path, node, "ordering");
        if (value == null) {
            return DestinationConfig.Ordering.ROOM;
        }
        return DestinationConfig.Ordering.named(value).orElseThrow(() -> new ConfigException(
                path + ".ordering must be \"room\" or \"none\", got \"" + value + "\""));
    }

    private static URI url(String path, String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new ConfigException(path + " is not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || uri.getHost() == null) {
            throw new ConfigException(path + " must be an absolute http:// or https:// URL with a host, got \""
                    + DestinationConfig.redact(text) + "\"");
        }
        if (uri.getUserInfo() != null) {
            throw new ConfigException(path + " must not carry credentials (user:password@); use signing instead");
        }
        return uri;
    }

    private static Events events(String path, JsonNode node) {
        if (isAbsent(node)) {
            return Events.all();
        }
        mapping(path, node);
        allowOnly(path, node, EVENTS);
        return new Events(eventNames(path + ".include", node.get("include")),
                eventNames(path + ".exclude", node.get("exclude")));
    }

    private static Set<String> eventNames(String path, JsonNode node) {
        if (isAbsent(node)) {
            return Set.of();
        }
        if (!node.isArray()) {
            throw new ConfigException(path + " must be a list of event types, e.g. [room_started, room_finished]");
        }
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode item : node) {
            if (!item.isTextual() || item.asText().isBlank()) {
                throw new ConfigException(path + " must hold event type names, got " + item);
            }
            names.add(item.asText().strip());
        }
        return names;
    }

    private static Retry retry(String path, JsonNode node) {
        if (isAbsent(node)) {
            return Retry.defaults();
        }
        mapping(path, node);
        allowOnly(path, node, RETRY);
        long initial = whole(path, node, "initial_backoff_ms", 1000, 1, 86_400_000L);
        long max = whole(path, node, "max_backoff_ms", 300_000, 1, 86_400_000L);
        if (max < initial) {
            throw new ConfigException(path + ".max_backoff_ms (" + max + ") must not be below initial_backoff_ms ("
                    + initial + ")");
        }
        return new Retry(Duration.ofMillis(initial), Duration.ofMillis(max),
                decimal(path, node, "multiplier", 2, 1, 100),
                decimal(path, node, "jitter", 0.2, 0, 1),
                (int) whole(path, node, "max_attempts", 0, 0, 1_000_000),
                Duration.ofSeconds(whole(path, node, "max_age_seconds", 86_400, 0, 365L * 86_400)));
    }

    private static Circuit circuit(String path, JsonNode node) {
        if (isAbsent(node)) {
            return Circuit.defaults();
        }
        mapping(path, node);
        allowOnly(path, node, CIRCUIT);
        return new Circuit((int) whole(path, node, "failure_threshold", 5, 0, 1_000_000),
                Duration.ofSeconds(whole(path, node, "open_seconds", 30, 1, 86_400)));
    }

    private Signing signing(String path, JsonNode node) {
        if (isAbsent(node)) {
            return liveKitPrimary(path);
        }
        mapping(path, node);
        String mode = Optional.ofNullable(text(path, node, "mode")).orElse(Mode.LIVEKIT.label());
        if (mode.equals(Mode.LIVEKIT.label())) {
            allowOnly(path, node, LIVEKIT_SIGNING);
            String key = text(path, node, "api_key");
            Optional<String> secret = secret(path, node, "api_secret", "api_secret_env");
            if (key == null && secret.isEmpty()) {
                return liveKitPrimary(path);
            }
            if (key == null || key.isBlank() || secret.isEmpty()) {
                throw new ConfigException(path + ".api_key and " + path + ".api_secret (or api_secret_env) must be "
                        + "set together, or both left out to sign with livehook's own LiveKit key");
            }
            return new Signing(Mode.LIVEKIT, key.strip(), secret.get().getBytes(StandardCharsets.UTF_8));
        }
        if (mode.equals(Mode.STANDARD_WEBHOOKS.label())) {
            allowOnly(path, node, STANDARD_WEBHOOKS_SIGNING);
            String secret = secret(path, node, "secret", "secret_env").orElseThrow(() -> new ConfigException(
                    path + ".secret (or secret_env) is required in standard-webhooks mode: \"whsec_\" followed by "
                            + "the base64 of at least " + MIN_WHSEC_BYTES + " random bytes"));
            return new Signing(Mode.STANDARD_WEBHOOKS, null, whsec(path + ".secret", secret));
        }
        throw new ConfigException(path + ".mode must be \"livekit\" or \"standard-webhooks\", got \"" + mode + "\"");
    }

    private Signing liveKitPrimary(String path) {
        Map.Entry<String, String> primary = liveKitKeys.primary().orElseThrow(() -> new ConfigException(
                path + " is missing and there is no LiveKit key to sign with"));
        return new Signing(Mode.LIVEKIT, primary.getKey(), primary.getValue().getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] whsec(String path, String secret) {
        if (!secret.startsWith(WHSEC)) {
            throw new ConfigException(path + " must start with \"whsec_\" (Standard Webhooks secret format)");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(WHSEC.length()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path + " must be \"whsec_\" followed by standard base64; it is not valid base64");
        }
        if (key.length < MIN_WHSEC_BYTES) {
            throw new ConfigException(path + " decodes to " + key.length + " bytes; use at least " + MIN_WHSEC_BYTES
                    + " random bytes (Standard Webhooks recommends 24 to 64)");
        }
        return key;
    }

    /** The secret given inline, or read from the environment variable a {@code *_env} setting names. */
    private Optional<String> secret(String path, JsonNode node, String inline, String fromEnv) {
        String value = text(path, node, inline);
        String envName = text(path, node, fromEnv);
        if (value != null && envName != null) {
            throw new ConfigException(path + " sets both " + inline + " and " + fromEnv + "; choose one");
        }
        if (envName != null) {
            return Optional.of(env.apply(envName).orElseThrow(() -> new ConfigException(
                    path + "." + fromEnv + " names " + envName + ", which is not set or empty")).strip());
        }
        if (value != null && value.isBlank()) {
            throw new ConfigException(path + "." + inline + " is empty");
        }
        return Optional.ofNullable(value).map(String::strip);
    }

    private static boolean isAbsent(JsonNode node) {
        return node == null || node.isNull();
    }

    private static void mapping(String path, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(path + " must be a mapping");
        }
    }

    private static void allowOnly(String path, JsonNode node, List<String> fields) {
        Set<String> allowed = Set.copyOf(fields);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw new ConfigException("Unknown setting " + path + "." + name + " (known here: "
                        + String.join(", ", fields) + ")");
            }
        }
    }

    private static String requiredText(String path, JsonNode node, String field) {
        String value = text(path, node, field);
        if (value == null || value.isBlank()) {
            throw new ConfigException(path + "." + field + " is required");
        }
        return value.strip();
    }

    private static String text(String path, JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (isAbsent(value)) {
            return null;
        }
        if (!value.isValueNode()) {
            throw new ConfigException(path + "." + field + " must be a single value");
        }
        return value.asText();
    }

    private static long whole(String path, JsonNode node, String field, long fallback, long min, long max) {
        JsonNode value = node.get(field);
        if (isAbsent(value)) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new ConfigException(path + "." + field + " must be a whole number, got " + value);
        }
        long number = value.asLong();
        if (number < min || number > max) {
            throw new ConfigException(path + "." + field + " must be between " + min + " and " + max + ", got "
                    + number);
        }
        return number;
    }

    private static double decimal(String path, JsonNode node, String field, double fallback, double min, double max) {
        JsonNode value = node.get(field);
        if (isAbsent(value)) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw new ConfigException(path + "." + field + " must be a number, got " + value);
        }
        double number = value.asDouble();
        if (!(number >= min && number <= max)) {
            throw new ConfigException(path + "." + field + " must be between " + min + " and " + max + ", got "
                    + number);
        }
        return number;
    }
}
