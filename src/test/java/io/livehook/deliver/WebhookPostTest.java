package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.testing.TestReceiver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One POST to a real receiver on loopback: what is sent, how each kind of answer (or none) comes back. */
class WebhookPostTest {
    private static final byte[] BODY = "{\"event\":\"room_started\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void sends_the_event_with_its_headers_and_keeps_only_the_start_of_the_answer() throws Exception {
        String longAnswer = "é".repeat(1000);
        try (TestReceiver receiver = TestReceiver.start().behave(r -> new TestReceiver.Answer(200, Duration.ZERO,
                Map.of(), longAnswer));
                WebhookPost post = new WebhookPost(receiver.url(), Duration.ofSeconds(5), "test")) {
            WebhookPost.Reply reply = send(post, BODY, Map.of("Authorization", "token"), "livehook", 3, 2, "livehook/test");
            assertThat(reply.kind()).isEqualTo(WebhookPost.Kind.SUCCESS);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.snippet().getBytes(StandardCharsets.UTF_8)).hasSize(512);
            assertThat(reply.snippet()).isEqualTo("é".repeat(256));
            TestReceiver.Request request = receiver.requests().get(0);
            assertThat(request.body()).isEqualTo(BODY);
            assertThat(request.contentType()).isEqualTo("application/webhook+json");
            assertThat(request.header("User-Agent")).isEqualTo("livehook/test");
            assertThat(request.header("Livehook-Attempt")).isEqualTo("3");
            assertThat(request.header("Livehook-Replay")).isEqualTo("2");
            assertThat(request.header("Livehook-Origin")).isEqualTo("livehook");
            assertThat(request.authorization()).isEqualTo("token");

            // The connection is kept for the next request, which carries no replay header when it is no replay.
            assertThat(send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test").kind())
                    .isEqualTo(WebhookPost.Kind.SUCCESS);
            assertThat(receiver.requests().get(1).header("Livehook-Replay")).isNull();
        }
    }

    @Test
    void speaks_http_1_1_and_reuses_the_connection() throws Exception {
        try (RawReceiver receiver = new RawReceiver(RawReceiver::answerOk);
                WebhookPost post = new WebhookPost(receiver.url(), Duration.ofSeconds(5), "test")) {
            for (int i = 0; i < 3; i++) {
                assertThat(send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test").kind())
                        .isEqualTo(WebhookPost.Kind.SUCCESS);
            }
            assertThat(receiver.requestLines()).containsOnly("POST /webhook HTTP/1.1").hasSize(3);
            assertThat(receiver.connections()).isEqualTo(1);
        }
    }

    @Test
    void a_redirect_is_not_followed() throws Exception {
        try (TestReceiver receiver = TestReceiver.start().behave(r -> TestReceiver.Answer.status(302)
                .with(Map.of("Location", "http://127.0.0.1:1/elsewhere")));
                WebhookPost post = new WebhookPost(receiver.url(), Duration.ofSeconds(5), "test")) {
            WebhookPost.Reply reply = send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test");
            assertThat(reply.kind()).isEqualTo(WebhookPost.Kind.REJECTED);
            assertThat(reply.status()).isEqualTo(302);
            assertThat(reply.error()).contains("redirects are not followed").contains("http://127.0.0.1:1/elsewhere");
            assertThat(receiver.requests()).hasSize(1);
        }
    }

    @Test
    void retry_after_is_read_from_429_and_503() throws Exception {
        try (TestReceiver receiver = TestReceiver.start().behave(r -> TestReceiver.Answer.status(503)
                .with(Map.of("Retry-After", "7")));
                WebhookPost post = new WebhookPost(receiver.url(), Duration.ofSeconds(5), "test")) {
            WebhookPost.Reply reply = send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test");
            assertThat(reply.kind()).isEqualTo(WebhookPost.Kind.RETRYABLE_STATUS);
            assertThat(reply.status()).isEqualTo(503);
            assertThat(reply.retryAfter()).contains(Duration.ofSeconds(7));
            assertThat(reply.snippet()).isEqualTo("status 503");
        }
    }

    @Test
    void a_refused_connection_is_a_connection_error_that_does_not_quote_the_query() throws Exception {
        try (TestReceiver down = TestReceiver.down();
                WebhookPost post = new WebhookPost(URI.create(down.url() + "?token=s3cret-token"),
                        Duration.ofSeconds(5), "test")) {
            WebhookPost.Reply reply = send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test");
            assertThat(reply.kind()).isEqualTo(WebhookPost.Kind.CONNECTION_ERROR);
            assertThat(reply.status()).isNull();
            assertThat(reply.error()).startsWith("connection refused or unreachable").doesNotContain("s3cret");
        }
    }

    @Test
    void an_answer_that_trickles_past_the_timeout_is_cut_off_and_the_next_request_goes_through() throws Exception {
        List<Integer> seen = new ArrayList<>();
        try (RawReceiver receiver = new RawReceiver((socket, request) -> {
                    synchronized (seen) {
                        seen.add(request);
                    }
                    if (request == 0) {
                        // Every read gets a byte well within the timeout; the whole answer never completes.
                        OutputStream out = socket.getOutputStream();
                        out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
                        for (int i = 0; i < 100; i++) {
                            out.write("X-Slow: y\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            Thread.sleep(100);
                        }
                        return false;
                    }
                    return RawReceiver.answerOk(socket, request);
                });
                WebhookPost post = new WebhookPost(receiver.url(), Duration.ofSeconds(1), "test")) {
            long start = System.nanoTime();
            WebhookPost.Reply reply = send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(reply.kind()).isEqualTo(WebhookPost.Kind.TIMEOUT);
            assertThat(reply.error()).isEqualTo("no complete answer within 1 s");
            assertThat(tookMs).isBetween(900L, 2_500L);

            assertThat(send(post, BODY, Map.of(), "livekit", 2, 0, "livehook/test").kind())
                    .isEqualTo(WebhookPost.Kind.SUCCESS);
        }
    }

    @Test
    void stopping_the_attempt_thread_interrupts_the_request() throws Exception {
        try (TestReceiver receiver = TestReceiver.start().behave(r -> TestReceiver.Answer.ok().after(Duration.ofSeconds(20)));
                WebhookPost post = new WebhookPost(receiver.url(), Duration.ofSeconds(30), "test")) {
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            Thread attempt = Thread.ofVirtual().start(() -> {
                try {
                    post.send(BODY, Map.of(), "livekit", 1, 0, "livehook/test");
                    thrown.complete(null);
                } catch (Throwable t) {
                    thrown.complete(t);
                }
            });
            while (receiver.requests().isEmpty()) {
                Thread.sleep(10);
            }
            attempt.interrupt();
            assertThat(thrown.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void closing_closes_the_kept_connections() throws Exception {
        try (RawReceiver receiver = new RawReceiver(RawReceiver::answerOk)) {
            WebhookPost post = new WebhookPost(receiver.url(), Duration.ofSeconds(5), "test");
            assertThat(send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test").kind())
                    .isEqualTo(WebhookPost.Kind.SUCCESS);
            assertThat(receiver.closed.poll(200, TimeUnit.MILLISECONDS)).as("kept open while in use").isNull();
            post.close();
            assertThat(receiver.closed.poll(5, TimeUnit.SECONDS)).as("closed by the client").isNotNull();
            assertThatThrownBy(() -> send(post, BODY, Map.of(), "livekit", 1, 0, "livehook/test"))
                    .isInstanceOf(RuntimeException.class);
        }
    }

    /** As an attempt sends: on a virtual thread of its own; fails the test if that thread is left interrupted. */
    private static WebhookPost.Reply send(WebhookPost post, byte[] body, Map<String, String> headers, String origin,
            int attempt, int replay, String userAgent) throws Exception {
        CompletableFuture<WebhookPost.Reply> reply = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                WebhookPost.Reply answer = post.send(body, headers, origin, attempt, replay, userAgent);
                assertThat(Thread.currentThread().isInterrupted()).as("the deadline's interrupt left behind").isFalse();
                reply.complete(answer);
            } catch (Throwable t) {
                reply.completeExceptionally(t);
            }
        });
        try {
            return reply.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    @Test
    void refuses_to_send_on_a_platform_thread() throws Exception {
        try (WebhookPost post = new WebhookPost(URI.create("http://127.0.0.1:1/webhook"), Duration.ofSeconds(1), "test")) {
            assertThatThrownBy(() -> post.send(BODY, Map.of(), "livekit", 1, 0, "livehook/test"))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    /** A bare HTTP/1.1 server: reads each request on a connection and lets its handler answer (or not). */
    private static final class RawReceiver implements AutoCloseable {
        interface Handler {
            /** Returns whether to keep reading requests on the connection. */
            boolean answer(Socket socket, int request) throws Exception;
        }

        private final ServerSocket server;
        private final List<String> requestLines = new ArrayList<>();
        private final BlockingQueue<Boolean> closed = new LinkedBlockingQueue<>();
        private int connections;
        private int requests;

        RawReceiver(Handler handler) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        synchronized (this) {
                            connections++;
                        }
                        Thread.ofVirtual().start(() -> serve(socket, handler));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket socket, Handler handler) {
            try (socket) {
                InputStream in = socket.getInputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        closed.add(Boolean.TRUE);
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    in.readNBytes(length);
                    int number;
                    synchronized (this) {
                        requestLines.add(head.substring(0, head.indexOf("\r\n")));
                        number = requests++;
                    }
                    if (!handler.answer(socket, number)) {
                        return;
                    }
                }
            } catch (Exception e) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        static boolean answerOk(Socket socket, int request) throws IOException {
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return true;
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/webhook");
        }

        synchronized List<String> requestLines() {
            return List.copyOf(requestLines);
        }

        synchronized int connections() {
            return connections;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
