package io.livehook.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Everything livehook is told at start-up. Built by {@link ConfigLoader}; immutable afterwards. */
public record LivehookConfig(Server server, LiveKit livekit, Storage storage, Api api, boolean dev,
        List<DestinationConfig> destinations, Reconcile reconcile, Processing process) {

    public LivehookConfig {
        destinations = List.copyOf(destinations);
    }

    /** A configuration that forwards nowhere. */
    public LivehookConfig(Server server, LiveKit livekit, Storage storage, Api api, boolean dev) {
        this(server, livekit, storage, api, dev, List.of(), Reconcile.defaults(), Processing.defaults());
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
     * {@code grace} and {@code settle} guard against ending what a webhook in flight is about to confirm.
     */
    public record Reconcile(boolean enabled, Duration interval, Duration anomalyDelay, Duration grace,
            Duration settle, int requestsPerSecond, Duration maxBackoff) {
        public static Reconcile defaults() {
            return new Reconcile(true, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(10),
                    Duration.ofSeconds(2), 10, Duration.ofMinutes(5));
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

    public record Storage(Path dataDir) {
        public Path stateFile() {
            return dataDir.resolve("state.db");
        }
    }

    /**
     * {@code token} guards the query API and dashboard. Absent: open in --dev, closed (401) otherwise, so a
     * forgotten token never exposes raw events.
     */
    public record Api(Optional<String> token) {
        @Override
        public String toString() {
            return "Api[token=" + (token.isPresent() ? "<set>" : "<none>") + "]";
        }
    }
}
