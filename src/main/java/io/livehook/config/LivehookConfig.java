package io.livehook.config;

import io.livehook.state.StateLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Everything livehook is told at start-up. Built by {@link ConfigLoader}; immutable afterwards. */
public record LivehookConfig(Server server, LiveKit livekit, Storage storage, Api api, boolean dev,
        List<DestinationConfig> destinations, Reconcile reconcile, Processing process, Optional<Kafka> kafka,
        Set<Role> roles) {

    public LivehookConfig {
        destinations = List.copyOf(destinations);
        roles = Set.copyOf(roles);
    }

    /** A configuration that forwards nowhere. */
    public LivehookConfig(Server server, LiveKit livekit, Storage storage, Api api, boolean dev) {
        this(server, livekit, storage, api, dev, List.of(), Reconcile.defaults(), Processing.defaults(),
                Optional.empty(), Role.ALL);
    }

    /** The same settings for a process that runs only {@code roles}. */
    public LivehookConfig withRoles(Set<Role> roles) {
        return new LivehookConfig(server, livekit, storage, api, dev, destinations, reconcile, process, kafka, roles);
    }

    /**
     * {@code maxConnections} 0: as many as the open-file limit leaves room for. {@code readTimeout}: a
     * connection's request headers are due within it of being accepted or of its last answer. {@code drain}:
     * on stop, how long requests still arriving get 503 with {@code Connection: close} before connections close.
     */
    public record Server(String host, int port, String webhookPath, long maxBodyBytes, Duration shutdownGrace,
            int maxConnections, Duration readTimeout, Duration drain) {}

    /** {@code url} is LiveKit's server address, used only to call its RoomService API. */
    public record LiveKit(ApiKeys keys, Duration leeway, Optional<String> url) {}

    /**
     * Reconciliation with LiveKit's RoomService: runs only when {@code livekit.url} is set and {@code enabled}.
     * {@code grace} and {@code settle} guard against ending what a webhook in flight is about to confirm. When it
     * does not run, a room nobody is in is ended once silent for its LiveKit timeout plus {@code silenceMargin}.
     */
    public record Reconcile(boolean enabled, Duration interval, Duration anomalyDelay, Duration grace,
            Duration settle, int requestsPerSecond, Duration maxBackoff, Duration silenceMargin) {
        public static Reconcile defaults() {
            return new Reconcile(true, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(10),
                    Duration.ofSeconds(2), 10, Duration.ofMinutes(5), Duration.ofSeconds(60));
        }
    }

    /**
     * {@code nice} is the Linux nice value (0 to 19) of the threads that turn the log into state, so that ingest,
     * which LiveKit waits on, gets the CPU first; 0 leaves them at the priority livehook was started with.
     */
    public record Processing(int nice) {
        public static Processing defaults() {
            return new Processing(10);
        }
    }

    /**
     * The event log on a Kafka cluster instead of the data directory's file. {@code replicationFactor} empty
     * means the cluster's default; {@code properties} go to every Kafka client as they are (TLS, SASL), and may
     * hold secrets, so they are never printed.
     */
    public record Kafka(String bootstrapServers, String topic, String quarantineTopic, int partitions,
            Optional<Short> replicationFactor, Duration appendTimeout, Duration connectTimeout,
            Map<String, String> properties) {
        public static final String TOPIC = "livehook.events";
        public static final String QUARANTINE_TOPIC = "livehook.quarantine";
        public static final int PARTITIONS = 12;
        /** LiveKit waits about 3 s for an answer: a 503 before that lets it retry instead of timing out. */
        public static final Duration APPEND_TIMEOUT = Duration.ofMillis(2500);
        public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

        public Kafka {
            properties = Map.copyOf(properties);
        }

        /** Defaults for everything but where the cluster is. */
        public static Kafka at(String bootstrapServers) {
            return new Kafka(bootstrapServers, TOPIC, QUARANTINE_TOPIC, PARTITIONS, Optional.empty(), APPEND_TIMEOUT,
                    CONNECT_TIMEOUT, Map.of());
        }

        @Override
        public String toString() {
            return "Kafka[bootstrapServers=" + bootstrapServers + ", topic=" + topic + ", quarantineTopic="
                    + quarantineTopic + ", partitions=" + partitions + ", replicationFactor=" + replicationFactor
                    + ", appendTimeout=" + appendTimeout + ", connectTimeout=" + connectTimeout + ", properties="
                    + new java.util.TreeSet<>(properties.keySet()) + "]";
        }
    }

    /** {@code state} is where the state lives: by default a SQLite file in the data directory. */
    public record Storage(Path dataDir, StateLocation state) {
        public static StateLocation defaultState(Path dataDir) {
            return StateLocation.sqlite(dataDir.resolve("state.db"));
        }
    }

    /**
     * {@code token} guards the query API and dashboard. Absent: open in --dev, closed (401) otherwise, so a
     * forgotten token never exposes raw events. The stream of state changes keeps each for {@code streamRetention},
     * and at most {@code streamMaxChanges} of them.
     */
    public record Api(Optional<String> token, Duration streamRetention, long streamMaxChanges) {
        public static final Duration STREAM_RETENTION = Duration.ofHours(24);
        public static final long STREAM_MAX_CHANGES = 1_000_000;

        @Override
        public String toString() {
            return "Api[token=" + (token.isPresent() ? "<set>" : "<none>") + ", streamRetention=" + streamRetention
                    + ", streamMaxChanges=" + streamMaxChanges + "]";
        }
    }
}
