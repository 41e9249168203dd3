package io.livehook.cli;

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
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** The options and HTTP calls every API-calling command shares: where livehook is and its token. */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--url", defaultValue = "${env:LIVEHOOK_URL:-http://127.0.0.1:8080}",
            description = "livehook's address (default: $LIVEHOOK_URL or http://127.0.0.1:8080).")
    String url;

    @Option(names = "--token", defaultValue = "${env:LIVEHOOK_API_TOKEN}",
            description = "API token (default: $LIVEHOOK_API_TOKEN).")
    String token;

    /** A failed call: {@code message} is what livehook said, or why it could not be reached. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    JsonNode get(String path, Map<String, String> query) throws Failure {
        String q = query.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return call(HttpRequest.newBuilder(uri(path + (q.isEmpty() ? "" : "?" + q))).GET());
    }

    JsonNode post(String path, Object body) throws Failure {
        try {
            return call(HttpRequest.newBuilder(uri(path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private URI uri(String path) throws Failure {
        try {
            return URI.create(url.replaceAll("/+$", "") + path);
        } catch (IllegalArgumentException e) {
            throw new Failure("--url " + url + " is not a valid URL");
        }
    }

    private JsonNode call(HttpRequest.Builder request) throws Failure {
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token.strip());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new Failure("cannot reach livehook at " + url + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (response.statusCode() / 100 != 2) {
            String message = body != null && body.hasNonNull("message") ? body.get("message").asText()
                    : new String(response.body(), StandardCharsets.UTF_8).strip();
            throw new Failure("HTTP " + response.statusCode() + ": " + message
                    + (response.statusCode() == 401 ? " (set --token or LIVEHOOK_API_TOKEN)" : ""));
        }
        if (body == null) {
            throw new Failure("livehook answered something that is not JSON");
        }
        return body;
    }
}
