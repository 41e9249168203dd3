package io.livehook.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code simulate --verify} asks a running livehook: whether it has processed everything it took, and
 * its rooms with their sessions and tracks, through the query API. The token is sent, never shown.
 */
public final class LivehookApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(500);
    /** Polls in a row without a change after which a livehook without a lag meter counts as settled. */
    private static final int STABLE_POLLS = 4;

    private final URI base;
    private final Optional<String> token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** A call that failed, with a message fit for the user. */
    public static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * How waiting for livehook ended: {@code settled} when its processing lag reached 0 (or, without the lag
     * meter, its applied-event count stopped changing); {@code lag} is the last lag seen, -1 if unknown.
     */
    public record Settling(boolean settled, Duration waited, long lag) {}

    public LivehookApi(URI base, Optional<String> token) {
        this.base = URI.create(base.toString().replaceAll("/+$", ""));
        this.token = token.map(String::strip).filter(t -> !t.isEmpty());
    }

    public URI base() {
        return base;
    }

    /** Polls until livehook has applied every event it logged, for at most {@code timeout}. */
    public Settling awaitProcessed(Duration timeout) throws Failure, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long lastApplied = -1;
        int stable = 0;
        while (true) {
            OptionalLong lag = lag();
            long applied = appliedEvents();
            if (lag.isPresent() && lag.getAsLong() == 0) {
                return new Settling(true, Duration.ofNanos(System.nanoTime() - start), 0);
            }
            stable = applied == lastApplied ? stable + 1 : 0;
            lastApplied = applied;
            if (lag.isEmpty() && stable >= STABLE_POLLS) {
                return new Settling(true, Duration.ofNanos(System.nanoTime() - start), -1);
            }
            if (System.nanoTime() >= deadline) {
                return new Settling(false, Duration.ofNanos(System.nanoTime() - start), lag.orElse(-1));
            }
            Thread.sleep(POLL);
        }
    }

    /** Livehook's view of the run's rooms; a room livehook does not know is simply absent. */
    public LivehookState read(GroundTruth truth) throws Failure, InterruptedException {
        List<JsonNode> documents = new ArrayList<>();
        for (GroundTruth.RoomState room : truth.rooms().values()) {
            String path = "/api/rooms/" + URLEncoder.encode(room.room().sid(), StandardCharsets.UTF_8).replace("+", "%20");
            get(path, true).ifPresent(documents::add);
        }
        try {
            return LivehookState.fromRoomDocuments(documents);
        } catch (IllegalArgumentException e) {
            throw new Failure(base + " does not answer like livehook's query API: " + e.getMessage());
        }
    }

    /** The sum of livehook_process_lag_events over partitions; empty if /metrics does not offer it. */
    private OptionalLong lag() throws InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(30)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return response.statusCode() == 200 ? lagIn(response.body()) : OptionalLong.empty();
    }

    static OptionalLong lagIn(String prometheusText) {
        long sum = 0;
        boolean found = false;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith("livehook_process_lag_events")) {
                String value = line.substring(line.lastIndexOf(' ') + 1);
                try {
                    sum += Math.round(Double.parseDouble(value));
                    found = true;
                } catch (NumberFormatException e) {
                    // A line of another shape (a newer exposition format): ignore it rather than guess.
                }
            }
        }
        return found ? OptionalLong.of(sum) : OptionalLong.empty();
    }

    private long appliedEvents() throws Failure, InterruptedException {
        long total = 0;
        JsonNode types = get("/api/event-types", false).orElseThrow().path("event_types");
        for (JsonNode type : types) {
            total += type.path("count").asLong();
        }
        return total;
    }

    private Optional<JsonNode> get(String path, boolean absentIfNotFound) throws Failure, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).GET();
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new Failure("cannot reach livehook's API at " + base + ": " + e);
        }
        int status = response.statusCode();
        if (status == 404 && absentIfNotFound) {
            return Optional.empty();
        }
        if (status == 401 || status == 403) {
            throw new Failure("livehook's API at " + base + " answered " + status
                    + (token.isPresent() ? ": the API token was refused" : ": set --api-token or LIVEHOOK_API_TOKEN"));
        }
        if (status != 200) {
            throw new Failure("livehook's API answered " + status + " to GET " + path);
        }
        try {
            return Optional.of(JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new Failure("livehook's API answered GET " + path + " with something that is not JSON");
        }
    }
}
