package io.livehook.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * LiveKit API keys and their secrets. Several may be active at once (rotation, egress signing with
 * another key). The secrets never leave this class in text form: {@link #toString()} names the keys only.
 */
public final class ApiKeys {
    private final Map<String, String> secretsByKey;

    public ApiKeys(Map<String, String> secretsByKey) {
        this.secretsByKey = Collections.unmodifiableMap(new LinkedHashMap<>(secretsByKey));
    }

    public static ApiKeys none() {
        return new ApiKeys(Map.of());
    }

    /**
     * Parses LiveKit's {@code LIVEKIT_KEYS} form: {@code "key: secret"} pairs separated by newlines or
     * commas, as livekit-server reads them.
     */
    public static ApiKeys parseLiveKitKeys(String text) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String entry : text.split("[\\n,]")) {
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            if (colon <= 0 || colon == trimmed.length() - 1) {
                throw new ConfigException("LIVEKIT_KEYS entries must look like \"key: secret\"; an entry starting "
                        + quotePrefix(trimmed) + " does not");
            }
            String key = trimmed.substring(0, colon).strip();
            String secret = trimmed.substring(colon + 1).strip();
            if (key.isEmpty() || secret.isEmpty()) {
                throw new ConfigException("LIVEKIT_KEYS has an entry with an empty key or secret");
            }
            keys.put(key, secret);
        }
        return new ApiKeys(keys);
    }

    private static String quotePrefix(String entry) {
        // Enough to find the entry, never enough to leak a secret.
        return "\"" + entry.substring(0, Math.min(4, entry.length())) + "...\"";
    }

    public ApiKeys with(String key, String secret) {
        Map<String, String> merged = new LinkedHashMap<>(secretsByKey);
        merged.put(key, secret);
        return new ApiKeys(merged);
    }

    public ApiKeys withAll(ApiKeys other) {
        Map<String, String> merged = new LinkedHashMap<>(secretsByKey);
        merged.putAll(other.secretsByKey);
        return new ApiKeys(merged);
    }

    public Optional<String> secretFor(String key) {
        return Optional.ofNullable(secretsByKey.get(key));
    }

    public Set<String> keyIds() {
        return secretsByKey.keySet();
    }

    /** The first configured key: the one livehook signs its own LiveKit API calls with. */
    public Optional<Map.Entry<String, String>> primary() {
        return secretsByKey.entrySet().stream().findFirst();
    }

    public boolean isEmpty() {
        return secretsByKey.isEmpty();
    }

    @Override
    public String toString() {
        return "ApiKeys" + secretsByKey.keySet();
    }
}
