package io.livehook.deliver;

import io.livehook.retry.RetryAfter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One POST of one event to one destination, bounded in time from the first byte sent to the last byte
 * of the answer read, and in memory: only the first {@value #SNIPPET_BYTES} bytes of the answer are kept.
 */
final class WebhookPost {
    static final int SNIPPET_BYTES = 512;
    static final String CONTENT_TYPE = "application/webhook+json";
    static final String ATTEMPT_HEADER = "Livehook-Attempt";
    static final String REPLAY_HEADER = "Livehook-Replay";
    /**
     * {@code livekit} for LiveKit's events, {@code livehook} for livehook's own corrections (ids {@code LH_...}),
     * which a receiver may want to treat differently: LiveKit never sent them.
     */
    static final String ORIGIN_HEADER = "Livehook-Origin";

    enum Kind { SUCCESS, RETRYABLE_STATUS, REJECTED, TIMEOUT, CONNECTION_ERROR }

    /** What came back. {@code status} is null when no HTTP answer came. */
    record Reply(Kind kind, Integer status, String error, String snippet, long latencyMs,
            Optional<Duration> retryAfter) {}

    private final HttpClient client;
    private final URI url;
    private final Duration timeout;

    WebhookPost(HttpClient client, URI url, Duration timeout) {
        this.client = client;
        this.url = url;
        this.timeout = timeout;
    }

    Reply send(byte[] body, Map<String, String> headers, String origin, int attempt, int replay, String userAgent)
            throws InterruptedException {
        // No per-request timeout in the client: it registers a timer with the client's selector for every request
        // (a wake-up of its thread to add it and another to remove it); waiting on the answer below bounds it.
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .header("Content-Type", CONTENT_TYPE)
                .header("User-Agent", userAgent)
                .header(ATTEMPT_HEADER, Integer.toString(attempt))
                .header(ORIGIN_HEADER, origin)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (replay > 0) {
            request.header(REPLAY_HEADER, Integer.toString(replay));
        }
        headers.forEach(request::header);
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> future = client.sendAsync(request.build(), info -> snippet());
        try {
            HttpResponse<String> response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return classify(response, elapsedMs(start));
        } catch (TimeoutException e) {
            future.cancel(true);
            return failure(Kind.TIMEOUT, "no complete answer within " + timeout.toSeconds() + " s", start);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            return failure(Kind.CONNECTION_ERROR, describe(e.getCause()), start);
        }
    }

    private static Reply classify(HttpResponse<String> response, long latencyMs) {
        int status = response.statusCode();
        String snippet = response.body();
        if (status >= 200 && status < 300) {
            return new Reply(Kind.SUCCESS, status, null, snippet, latencyMs, Optional.empty());
        }
        if (retryable(status)) {
            Optional<Duration> retryAfter = status == 429 || status == 503
                    ? response.headers().firstValue("Retry-After").flatMap(v -> RetryAfter.parse(v, Instant.now()))
                    : Optional.empty();
            return new Reply(Kind.RETRYABLE_STATUS, status, null, snippet, latencyMs, retryAfter);
        }
        String why = status >= 300 && status < 400 ? "redirects are not followed: point the destination at "
                + response.headers().firstValue("Location").orElse("the final URL")
                : "not retryable: the receiver rejects this request";
        return new Reply(Kind.REJECTED, status, why, snippet, latencyMs, Optional.empty());
    }

    /** 408, 425, 429 and 5xx except 501 (a receiver that does not implement POST will not learn to). */
    static boolean retryable(int status) {
        return status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600 && status != 501);
    }

    private static Reply failure(Kind kind, String error, long start) {
        return new Reply(kind, null, error, null, elapsedMs(start), Optional.empty());
    }

    private static String describe(Throwable cause) {
        if (cause instanceof ConnectException) {
            return "connection refused or unreachable" + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        }
        String message = cause.getMessage();
        if (message == null && cause.getCause() != null) {
            message = cause.getCause().getMessage();
        }
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Keeps the first bytes of the answer as text and discards the rest as it streams by. */
    private static HttpResponse.BodySubscriber<String> snippet() {
        SnippetSubscriber subscriber = new SnippetSubscriber();
        return HttpResponse.BodySubscribers.fromSubscriber(subscriber, SnippetSubscriber::text);
    }

    private static final class SnippetSubscriber implements Flow.Subscriber<List<ByteBuffer>> {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int take = Math.min(buffer.remaining(), SNIPPET_BYTES - kept.size());
                if (take > 0) {
                    byte[] bytes = new byte[take];
                    buffer.get(bytes);
                    kept.write(bytes, 0, take);
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}

        String text() {
            return truncate(kept.toByteArray());
        }
    }

    /** The bytes as text, replacing what is not UTF-8, cut so the UTF-8 form stays within the limit. */
    static String truncate(byte[] bytes) {
        try {
            var decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            String text = decoder.decode(ByteBuffer.wrap(bytes)).toString();
            while (text.getBytes(StandardCharsets.UTF_8).length > SNIPPET_BYTES) {
                int cut = text.length() - 1;
                if (cut > 0 && Character.isLowSurrogate(text.charAt(cut))) {
                    cut--;
                }
                text = text.substring(0, cut);
            }
            return text;
        } catch (IOException e) {
            return "";
        }
    }
}
