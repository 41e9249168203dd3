package io.livehook.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A client of livehook's own API ({@code /api/...}), for the command line and {@code simulate --verify}: sends
 * the token as {@code Bearer}, reads JSON, and turns every failure into a {@link LivehookApiException}.
 */
public final class LivehookClient {
    public static final String DEFAULT_URL = "http://127.0.0.1:8080";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(500);

    private final URI base;
    private final Optional<String> token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public LivehookClient(URI base, Optional<String> token) {
        this.base = URI.create(base.toString().replaceAll("/+$", ""));
        this.token = token.map(String::strip).filter(t -> !t.isEmpty());
    }

    public URI base() {
        return base;
    }

    public JsonNode get(String path, Map<String, String> query) throws LivehookApiException {
        String q = query.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return call(HttpRequest.newBuilder(uri(path + (q.isEmpty() ? "" : "?" + q))).GET(), false).orElseThrow();
    }

    /** A GET whose 404 means "no such thing" rather than an error. */
    public Optional<JsonNode> find(String path) throws LivehookApiException {
        return call(HttpRequest.newBuilder(uri(path)).GET(), true);
    }

    public JsonNode post(String path, Object body) throws LivehookApiException {
        try {
            return call(HttpRequest.newBuilder(uri(path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))), false).orElseThrow();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON-writable: " + body, e);
        }
    }

    /** {@code GET /api/progress}: how far processing is behind the log. */
    public Progress progress() throws LivehookApiException {
        JsonNode total = get("/api/progress", Map.of()).path("total");
        if (!total.path("lag_events").isIntegralNumber()) {
            throw new LivehookApiException.NotLivehook(base + "/api/progress does not answer like livehook's API");
        }
        return new Progress(total.path("head").asLong(), total.path("applied").asLong(),
                total.path("lag_events").asLong(), total.path("lag_seconds").asDouble());
    }

    /** Totals over the log's partitions, as {@code /api/progress} reports them. */
    public record Progress(long head, long applied, long lagEvents, double lagSeconds) {}

    /** How waiting ended: {@code settled} when nothing was left to apply; {@code lag} the events left last seen. */
    public record Settling(boolean settled, Duration waited, long lag) {}

    /** Polls progress until livehook has applied every event it logged, for at most {@code timeout}. */
    public Settling awaitProcessed(Duration timeout) throws LivehookApiException, InterruptedException {
        long start = System.nanoTime();
        while (true) {
            long lag = progress().lagEvents();
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            if (lag == 0) {
                return new Settling(true, waited, 0);
            }
            if (waited.compareTo(timeout) >= 0) {
                return new Settling(false, waited, lag);
            }
            Thread.sleep(POLL);
        }
    }

    /** One path segment, escaped. */
    /** One change from {@code GET /api/stream}: its id, its kind, and the whole change as the API gives it. */
    public record Change(long id, String kind, JsonNode data) {}

    /**
     * Follows {@code GET /api/stream} (of one room, or all), from after change {@code after} (empty: from the next
     * change on), handing each change to {@code handler} until it returns false. A connection that drops is made
     * again with {@code Last-Event-ID}, so no change is missed or repeated; failing to connect is an error.
     */
    public void stream(Optional<String> room, OptionalLong after, Predicate<Change> handler)
            throws LivehookApiException, InterruptedException {
        Long last = after.isPresent() ? after.getAsLong() : null;
        String path = "/api/stream" + room.map(r -> "?room=" + segment(r)).orElse("");
        while (true) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            if (last != null) {
                request.header("Last-Event-ID", Long.toString(last));
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new LivehookApiException.Unreachable("cannot reach livehook's API at " + base + ": " + e);
            }
            if (response.statusCode() != 200) {
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readNBytes(64 * 1024);
                } catch (IOException e) {
                    body = new byte[0];
                }
                JsonNode error = json(body);
                String said = error != null && error.path("error").isTextual() ? error.path("error").asText()
                        : "not livehook's answer";
                if (response.statusCode() == 401) {
                    throw new LivehookApiException.Unauthorized("livehook refused the call: " + said);
                }
                throw new LivehookApiException.HttpError(response.statusCode(),
                        "HTTP " + response.statusCode() + " to GET " + path + ": " + said);
            }
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                long id = -1;
                String kind = null;
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("id: ")) {
                        id = Long.parseLong(line.substring(4).strip());
                    } else if (line.startsWith("event: ")) {
                        kind = line.substring(7).strip();
                    } else if (line.startsWith("data: ") && kind != null) {
                        JsonNode data = json(line.substring(6).getBytes(StandardCharsets.UTF_8));
                        if (id >= 0) {
                            last = id;
                            if (!handler.test(new Change(id, kind, data))) {
                                return;
                            }
                        }
                        kind = null;
                        id = -1;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // dropped: connect again, after the last change received
            }
            Thread.sleep(POLL);
        }
    }

    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private URI uri(String path) throws LivehookApiException {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new LivehookApiException.Unreachable(base + path + " is not a valid URL");
        }
    }

    private Optional<JsonNode> call(HttpRequest.Builder request, boolean absentIfNotFound) throws LivehookApiException {
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpRequest sent = request.timeout(Duration.ofSeconds(60)).build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(sent, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new LivehookApiException.Unreachable("cannot reach livehook's API at " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LivehookApiException.Unreachable("interrupted while calling livehook's API at " + base);
        }
        int status = response.statusCode();
        JsonNode body = json(response.body());
        String what = sent.method() + " " + sent.uri().getRawPath();
        if (status / 100 == 2) {
            if (body == null) {
                throw new LivehookApiException.NotLivehook(base + " answered " + what + " with something that is not "
                        + "JSON: is it livehook?");
            }
            return Optional.of(body);
        }
        String said = body != null && body.path("error").isTextual() ? body.path("error").asText() : null;
        if (said == null) {
            throw new LivehookApiException.NotLivehook(base + " answered " + what + " with HTTP " + status
                    + " but not as livehook's API does: is it livehook?");
        }
        if (status == 404 && absentIfNotFound) {
            return Optional.empty();
        }
        if (status == 401) {
            throw new LivehookApiException.Unauthorized("livehook refused the call: " + said + (token.isPresent()
                    ? " (the API token was refused)" : " (set --api-token or LIVEHOOK_API_TOKEN)"));
        }
        throw new LivehookApiException.HttpError(status, "HTTP " + status + " to " + what + ": " + said);
    }

    private static JsonNode json(byte[] body) {
        try {
            return body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "LivehookClient[" + base + (token.isPresent() ? ", token <set>" : "") + "]";
    }
}
