package io.livehook.config;

import io.livehook.retry.Backoff;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * One endpoint of the team's that livehook forwards events to. Built by {@link ConfigLoader} from the
 * {@code destinations:} list; immutable. Secrets live in {@link Signing} and never appear in toString.
 */
public record DestinationConfig(
        String name,
        URI url,
        Events events,
        Duration timeout,
        Retry retry,
        int concurrency,
        Ordering ordering,
        Signing signing,
        Circuit circuit) {

    /** The URL for logs and messages: a query string may carry a token, so it is not shown. */
    public String redactedUrl() {
        return redact(url.toString());
    }

    static String redact(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query) + "?<redacted>";
    }

    @Override
    public String toString() {
        return "DestinationConfig[name=" + name + ", url=" + redactedUrl() + ", events=" + events + ", timeout="
                + timeout + ", retry=" + retry + ", concurrency=" + concurrency + ", ordering="
                + ordering.label() + ", signing=" + signing + ", circuit="
                + circuit + "]";
    }

    /** Like LiveKit's filter_params: an empty include list means every event type; exclude wins. */
    public record Events(Set<String> include, Set<String> exclude) {
        public Events {
            include = Set.copyOf(include);
            exclude = Set.copyOf(exclude);
        }

        public static Events all() {
            return new Events(Set.of(), Set.of());
        }

        public boolean accepts(String eventType) {
            return (include.isEmpty() || include.contains(eventType)) && !exclude.contains(eventType);
        }
    }

    /**
     * Exponential backoff with jitter between attempts. {@code maxAttempts} 0 means unlimited;
     * {@code maxAge} zero means no age limit. Both count from when the delivery was (re)queued.
     */
    public record Retry(Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter,
            int maxAttempts, Duration maxAge) {
        public static Retry defaults() {
            return new Retry(Duration.ofSeconds(1), Duration.ofMinutes(5), 2, 0.2, 0, Duration.ofDays(1));
        }

        public Backoff backoff() {
            return new Backoff(initialBackoff, maxBackoff, multiplier, jitter);
        }
    }

    /** {@code failureThreshold} 0 disables the breaker. */
    public record Circuit(int failureThreshold, Duration open) {
        public static Circuit defaults() {
            return new Circuit(5, Duration.ofSeconds(30));
        }
    }

    /**
     * {@code room}: a queue key's (room's) next delivery waits until the one before it is delivered or dead.
     * {@code none}: every delivery goes on its own, for receivers that put events in order (or dedupe) by id.
     */
    public enum Ordering {
        ROOM("room"),
        NONE("none");

        private final String label;

        Ordering(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The ordering named {@code label} as the configuration writes it, if there is one. */
        public static Optional<Ordering> named(String label) {
            return Arrays.stream(values()).filter(o -> o.label.equals(label)).findFirst();
        }
    }

    public enum Mode {
        LIVEKIT("livekit"),
        STANDARD_WEBHOOKS("standard-webhooks");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * How requests are signed. {@code livekit}: {@code keyId} is the API key, {@code secret} the API secret.
     * {@code standard-webhooks}: {@code keyId} is null, {@code secret} the raw key bytes decoded from the
     * {@code whsec_} string. toString names the mode and key only.
     */
    public record Signing(Mode mode, String keyId, byte[] secret) {
        public Signing {
            secret = secret.clone();
        }

        @Override
        public byte[] secret() {
            return secret.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Signing s && s.mode == mode && java.util.Objects.equals(s.keyId, keyId)
                    && java.security.MessageDigest.isEqual(s.secret, secret);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(mode, keyId);
        }

        @Override
        public String toString() {
            return "Signing[" + mode.label() + (keyId == null ? "" : ", key=" + keyId) + ", secret=<hidden>]";
        }
    }
}
