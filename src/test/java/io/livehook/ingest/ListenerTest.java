package io.livehook.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.config.LivehookConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The listener under peers that hold connections, a server socket that stops, and a stop with keep-alive. */
@Timeout(60)
class ListenerTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Listener listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    private Listener start(int maxConnections, Duration readTimeout) {
        var settings = new LivehookConfig.Server("127.0.0.1", 0, "/webhook", 1 << 20, Duration.ofSeconds(5),
                maxConnections, readTimeout, Duration.ofSeconds(2));
        listener = new Listener(settings, routing -> routing.get("/healthz", (req, res) -> res.send("ok\n")), registry);
        listener.start();
        return listener;
    }

    /** GET /healthz on a new connection; its status line, or what went wrong. */
    private String probe(Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", listener.port()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readNBytes(15), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void peersThatSendHeadersSlowlyAreCutOffAndOthersGetInWhileTheyKeepTrying() throws Exception {
        start(20, Duration.ofSeconds(1));
        int slowPeers = 60;
        AtomicInteger cutOff = new AtomicInteger();
        try (ExecutorService peers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < slowPeers; i++) {
                peers.submit(() -> {
                    // A byte every 200 ms never lets a read time out: only a deadline ends it.
                    try (Socket socket = new Socket("127.0.0.1", listener.port())) {
                        OutputStream out = socket.getOutputStream();
                        out.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                        for (int k = 0; k < 100; k++) {
                            out.write('a');
                            out.flush();
                            Thread.sleep(200);
                        }
                    } catch (IOException e) {
                        cutOff.incrementAndGet();
                    }
                    return null;
                });
            }
            Thread.sleep(300);
            long start = System.nanoTime();
            String answer = "";
            while (!answer.startsWith("HTTP/1.1 200") && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15)) {
                answer = probe(Duration.ofSeconds(1));
            }
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(answer).as("a normal request during the flood").startsWith("HTTP/1.1 200");
            assertThat(waitedMs).as("it got in once the deadlines had cleared the slots").isLessThan(15_000);
            peers.shutdownNow();
        }
        assertThat(cutOff.get()).as("slow peers cut off").isGreaterThanOrEqualTo(slowPeers / 2);
        assertThat(registry.get("livehook.server.connections.timed.out").counter().count()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void aServerSocketThatStopsAcceptingIsBoundAgain() throws Exception {
        start(0, Duration.ofSeconds(10));
        int port = listener.port();
        assertThat(probe(Duration.ofSeconds(2))).startsWith("HTTP/1.1 200");
        // What Helidon does when its accept loop fails (out of file descriptors): its listener stops.
        listener.server().stop();
        assertThat(probe(Duration.ofSeconds(1))).contains("Connection refused");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String answer = "";
        while (!answer.startsWith("HTTP/1.1 200") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            answer = probe(Duration.ofSeconds(1));
        }
        assertThat(answer).startsWith("HTTP/1.1 200");
        assertThat(listener.port()).isEqualTo(port);
        assertThat(listener.lost()).isNotDone();
    }

    @Test
    void whileDrainingEveryAnswerClosesItsConnection() throws Exception {
        start(0, Duration.ofSeconds(10));
        try (Socket socket = new Socket("127.0.0.1", listener.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(response(in)).startsWith("HTTP/1.1 200").doesNotContain("Connection: close");

            CompletableFuture<Void> draining = CompletableFuture.runAsync(() -> {
                try {
                    listener.drain(Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(300);
            // Sent on the kept-alive connection during the drain: answered, and told the connection ends.
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(response(in)).startsWith("HTTP/1.1 200").contains("Connection: close");
            assertThat(in.read()).as("then the server closes it").isEqualTo(-1);
            draining.get(10, TimeUnit.SECONDS);
        }
    }

    /** One HTTP/1.1 response with a Content-Length body, as text. */
    static String response(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside the headers: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
