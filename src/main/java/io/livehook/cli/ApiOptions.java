package io.livehook.cli;

import io.livehook.client.LivehookClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** Where livehook's API is and its token: the same options on every command that calls it. */
class ApiOptions {
    @Option(names = "--api-url", description = "livehook's address (default: $LIVEHOOK_API_URL, else "
            + LivehookClient.DEFAULT_URL + ").")
    String apiUrl;

    @Option(names = "--api-token", description = "livehook's API token (default: $LIVEHOOK_API_TOKEN).")
    String apiToken;

    /**
     * The client, from the options, else the environment ({@code LIVEHOOK_URL} is the variable's first name), else
     * {@code fallback}.
     */
    LivehookClient client(Map<String, String> env, Supplier<URI> fallback) {
        URI url = first(apiUrl, legacyUrl(), env.get("LIVEHOOK_API_URL"), env.get("LIVEHOOK_URL"))
                .map(ApiOptions::url).orElseGet(fallback);
        return new LivehookClient(url, first(apiToken, legacyToken(), env.get("LIVEHOOK_API_TOKEN")));
    }

    LivehookClient client(Map<String, String> env) {
        return client(env, () -> URI.create(LivehookClient.DEFAULT_URL));
    }

    String legacyUrl() {
        return null;
    }

    String legacyToken() {
        return null;
    }

    private static Optional<String> first(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return Optional.of(value.strip());
            }
        }
        return Optional.empty();
    }

    private static URI url(String text) {
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("--api-url must be an http(s) URL, not \"" + text + "\"");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--api-url is not a URL: " + e.getMessage(), e);
        }
    }

    /** With {@code --url} and {@code --token}, the names {@code deliveries} and {@code reconcile} first had. */
    static class WithOldNames extends ApiOptions {
        @Option(names = "--url", hidden = true)
        String url;

        @Option(names = "--token", hidden = true)
        String token;

        @Override
        String legacyUrl() {
            return url;
        }

        @Override
        String legacyToken() {
            return token;
        }
    }
}
