package io.livehook.deliver;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.livehook.retry.RetryAfter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One POST of one event to one destination, bounded in time from the first byte sent to the last byte
 * of the answer read, and in memory: only the first {@value #SNIPPET_BYTES} bytes of the answer are kept.
 * One per destination: it holds the destination's connections (HTTP/1.1, kept alive) until closed.
 */
final class WebhookPost implements AutoCloseable {
    static final int SNIPPET_BYTES = 512;
    static final String CONTENT_TYPE = "application/webhook+json";
    static final String ATTEMPT_HEADER = "Livehook-Attempt";
    static final String REPLAY_HEADER = "Livehook-Replay";
    /**
     * {@code livekit} for LiveKit's events, {@code livehook} for the events livehook wrote itself (reconciliation's
     * corrections, room ends inferred from silence), which a receiver may want to treat differently: LiveKit never
     * sent them.
     */
    static final String ORIGIN_HEADER = "Livehook-Origin";
    private static final HeaderName ATTEMPT = HeaderNames.create(ATTEMPT_HEADER);
    private static final HeaderName REPLAY = HeaderNames.create(REPLAY_HEADER);
    private static final HeaderName ORIGIN = HeaderNames.create(ORIGIN_HEADER);
    /**
     * How long after the timeout the request's thread is stopped: a connect that takes the whole timeout fails as a
     * connection error first, as the client's own connect timeout.
     */
    private static final Duration CONNECT_FIRST = Duration.ofMillis(100);

    enum Kind { SUCCESS, RETRYABLE_STATUS, REJECTED, TIMEOUT, CONNECTION_ERROR }

    /** What came back. {@code status} is null when no HTTP answer came. */
    record Reply(Kind kind, Integer status, String error, String snippet, long latencyMs,
            Optional<Duration> retryAfter) {}

    private final Http1Client client;
    private final URI url;
    private final Duration timeout;
    private final ScheduledThreadPoolExecutor deadlines;

    /** {@code name} names the thread that stops requests at their deadline. */
    WebhookPost(URI url, Duration timeout, String name) {
        this.url = url;
        this.timeout = timeout;
        this.client = Http1Client.builder()
                .connectTimeout(timeout)
                // Each read waits at most this long, a backstop: the deadline below bounds the whole exchange sooner.
                .readTimeout(timeout.plusSeconds(1))
                .followRedirects(false)
                .keepAlive(true)
                .sendExpectContinue(false)
                .shareConnectionCache(false)
                .build();
        this.deadlines = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("deliver-" + name + "-deadlines").daemon().factory());
        deadlines.setRemoveOnCancelPolicy(true);
    }

    /**
     * Sends on the calling thread, which must be a virtual thread: the deadline interrupts it, and only on a virtual
     * thread does that close the connection under a read or write in progress.
     */
    Reply send(byte[] body, Map<String, String> headers, String origin, int attempt, int replay, String userAgent)
            throws InterruptedException {
        if (!Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("a webhook is sent on a virtual thread, so that its deadline can stop it");
        }
        Http1ClientRequest request = client.post().uri(url)
                .header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                .header(HeaderNames.USER_AGENT, userAgent)
                .header(ATTEMPT, Integer.toString(attempt))
                .header(ORIGIN, origin);
        if (replay > 0) {
            request.header(REPLAY, Integer.toString(replay));
        }
        headers.forEach((name, value) -> request.header(HeaderNames.create(name), value));
        long start = System.nanoTime();
        Deadline deadline = new Deadline(Thread.currentThread());
        ScheduledFuture<?> timer = deadlines.schedule(deadline, timeout.plus(CONNECT_FIRST).toNanos(),
                TimeUnit.NANOSECONDS);
        try {
            Reply reply;
            try (Http1ClientResponse response = request.submit(body)) {
                reply = classify(response, start);
            }
            return deadline.met() ? reply : timedOut(start);
        } catch (RuntimeException e) {
            if (!deadline.met()) {
                return timedOut(start);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped while sending");
            }
            return failure(Kind.CONNECTION_ERROR, describe(e), start);
        } finally {
            timer.cancel(false);
        }
    }

    /** Closes the destination's connections; requests still out fail. */
    @Override
    public void close() {
        deadlines.shutdownNow();
        client.closeResource();
    }

    private Reply timedOut(long start) {
        return failure(Kind.TIMEOUT, "no complete answer within " + timeout.toSeconds() + " s", start);
    }

    /**
     * When a request must be over: interrupts its thread if it is not. Whether the request finished in time is
     * decided once, under the lock, so a late interrupt never reaches the thread after it moved on.
     */
    private static final class Deadline implements Runnable {
        private final Thread thread;
        private boolean over;
        private boolean passed;

        Deadline(Thread thread) {
            this.thread = thread;
        }

        @Override
        public synchronized void run() {
            if (!over) {
                passed = true;
                thread.interrupt();
            }
        }

        /** On the request's thread: true if it ended before its deadline; otherwise clears the deadline's interrupt. */
        synchronized boolean met() {
            over = true;
            if (passed) {
                Thread.interrupted();
            }
            return !passed;
        }
    }

    private static Reply classify(Http1ClientResponse response, long start) {
        int status = response.status().code();
        String snippet = snippet(response);
        long latencyMs = elapsedMs(start);
        if (status >= 200 && status < 300) {
            return new Reply(Kind.SUCCESS, status, null, snippet, latencyMs, Optional.empty());
        }
        if (retryable(status)) {
            Optional<Duration> retryAfter = status == 429 || status == 503
                    ? response.headers().first(HeaderNames.RETRY_AFTER).flatMap(v -> RetryAfter.parse(v, Instant.now()))
                    : Optional.empty();
            return new Reply(Kind.RETRYABLE_STATUS, status, null, snippet, latencyMs, retryAfter);
        }
        String why = status >= 300 && status < 400 ? "redirects are not followed: point the destination at "
                + response.headers().first(HeaderNames.LOCATION).orElse("the final URL")
                : "not retryable: the receiver rejects this request";
        return new Reply(Kind.REJECTED, status, why, snippet, latencyMs, Optional.empty());
    }

    /** The answer's first bytes as text; the rest is read and discarded, so the connection can carry the next. */
    private static String snippet(Http1ClientResponse response) {
        try (InputStream in = response.inputStream()) {
            byte[] kept = in.readNBytes(SNIPPET_BYTES);
            in.transferTo(OutputStream.nullOutputStream());
            return truncate(kept);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** 408, 425, 429 and 5xx except 501 (a receiver that does not implement POST will not learn to). */
    static boolean retryable(int status) {
        return status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600 && status != 501);
    }

    private static Reply failure(Kind kind, String error, long start) {
        return new Reply(kind, null, error, null, elapsedMs(start), Optional.empty());
    }

    /** The innermost reason, with the URL's query (it may hold a token) cut out of whatever quotes it. */
    private String describe(Throwable failure) {
        Throwable root = failure;
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof NoRouteToHostException
                    || c instanceof UnknownHostException) {
                return "connection refused or unreachable" + (c.getMessage() == null ? "" : ": " + redact(c.getMessage()));
            }
            if (c instanceof SocketTimeoutException) {
                // Reads wait longer than the deadline: a timeout before it is the connect's.
                return "could not connect within " + timeout.toSeconds() + " s";
            }
            root = c;
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + redact(root.getMessage()));
    }

    private String redact(String message) {
        String redacted = message;
        for (String query : new String[] {url.getRawQuery(), url.getQuery()}) {
            if (query != null && !query.isEmpty()) {
                redacted = redacted.replace(query, "<redacted>");
            }
        }
        return redacted;
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
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
