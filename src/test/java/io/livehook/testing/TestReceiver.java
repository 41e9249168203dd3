package io.livehook.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.livehook.ingest.EventHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A webhook receiver on 127.0.0.1 that answers as its script says and records every request, in arrival order,
 * with the raw bytes and headers. Requests whose body is an event carry its id and queue key (the room name, or
 * the egress/ingress id).
 */
public final class TestReceiver implements AutoCloseable {

    /** What one request carried; {@code eventId} and {@code queueKey} are null when the body is not an event. */
    public record Request(long arrivedNanos, Instant at, Map<String, List<String>> headers, byte[] body,
            String eventId, String queueKey) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        public String authorization() {
            return header("Authorization");
        }

        public String contentType() {
            return header("Content-Type");
        }
    }

    /** The answer to give, after waiting {@code delay}. */
    public record Answer(int status, Duration delay, Map<String, String> headers, String body) {
        public static Answer ok() {
            return status(200);
        }

        public static Answer status(int status) {
            return new Answer(status, Duration.ZERO, Map.of(), "status " + status);
        }

        public Answer after(Duration wait) {
            return new Answer(status, wait, headers, body);
        }

        public Answer with(Map<String, String> more) {
            return new Answer(status, delay, more, body);
        }
    }

    @FunctionalInterface
    public interface Script {
        /** {@code earlier}: how many requests for the same event id came before this one. */
        Answer answer(Request request, int earlier) throws InterruptedException;
    }

    private final int port;
    private final List<Request> requests = new ArrayList<>();
    private final List<String> acceptedIds = new ArrayList<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Script script = (request, earlier) -> Answer.ok();
    private HttpServer server;

    private TestReceiver(int port) {
        this.port = port;
    }

    /** Listening now, answering 200 until told otherwise. */
    public static TestReceiver start() throws IOException {
        TestReceiver receiver = new TestReceiver(0);
        receiver.listen();
        return receiver;
    }

    public static TestReceiver start(Script script) throws IOException {
        return start().script(script);
    }

    /** A port reserved but not listening yet: connections are refused until {@link #listen}. */
    public static TestReceiver down() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new TestReceiver(socket.getLocalPort());
        }
    }

    public synchronized void listen() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public TestReceiver script(Script script) {
        this.script = script;
        return this;
    }

    /** A script that does not care how often the event came before. */
    public TestReceiver behave(Function<Request, Answer> behaviour) {
        return script((request, earlier) -> behaviour.apply(request));
    }

    public int port() {
        return server == null ? port : server.getAddress().getPort();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port() + "/webhook");
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public List<Request> requestsFor(String eventId) {
        return requests().stream().filter(r -> eventId.equals(r.eventId())).toList();
    }

    /** Event ids answered 2xx, in the order the answers were decided. */
    public List<String> accepted() {
        synchronized (acceptedIds) {
            return new ArrayList<>(acceptedIds);
        }
    }

    /** Event ids of one room (queue key) answered 2xx, in order. */
    public List<String> acceptedInRoom(String room) {
        List<String> ofRoom = requests().stream().filter(r -> room.equals(r.queueKey())).map(Request::eventId)
                .toList();
        return accepted().stream().filter(ofRoom::contains).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String eventId = null;
            String queueKey = null;
            try {
                EventHeader header = EventHeader.read(body);
                eventId = header.eventId();
                queueKey = header.queueKey();
            } catch (EventHeader.Unreadable | RuntimeException notAnEvent) {
                // recorded as it is
            }
            Request request = new Request(System.nanoTime(), Instant.now(), Map.copyOf(exchange.getRequestHeaders()),
                    body, eventId, queueKey);
            int earlier;
            synchronized (requests) {
                earlier = (int) requests.stream().filter(r -> r.eventId() != null && r.eventId().equals(request.eventId()))
                        .count();
                requests.add(request);
            }
            Answer answer;
            try {
                answer = script.answer(request, earlier);
                if (answer.delay().isPositive()) {
                    Thread.sleep(answer.delay());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                answer = Answer.status(500);
            }
            if (answer.status() / 100 == 2) {
                synchronized (acceptedIds) {
                    acceptedIds.add(eventId);
                }
            }
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
            try {
                exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            } catch (IOException e) {
                // the client gave up (timeout): nothing to answer
            }
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
        executor.shutdownNow();
    }
}
