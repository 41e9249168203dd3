package io.livehook.deliver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A destination on loopback that records every request and answers as its behaviour says. */
final class Receiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one request carried. */
    record Request(byte[] body, Map<String, List<String>> headers, Instant at, String eventId, String room) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    /** The answer to give; {@code delayMs} is waited before answering. */
    record Answer(int status, long delayMs, Map<String, String> headers, String body) {
        static Answer ok() {
            return new Answer(200, 0, Map.of(), "ok");
        }

        static Answer status(int status) {
            return new Answer(status, 0, Map.of(), "status " + status);
        }
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final int port;
    private volatile Function<Request, Answer> behaviour = r -> Answer.ok();
    private HttpServer server;

    private Receiver(int port) {
        this.port = port;
    }

    static Receiver start() throws IOException {
        Receiver receiver = new Receiver(0);
        receiver.listen();
        return receiver;
    }

    /** A receiver with a port reserved but not listening yet: connections are refused until {@link #listen}. */
    static Receiver down() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new Receiver(socket.getLocalPort());
        }
    }

    synchronized void listen() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    Receiver behave(Function<Request, Answer> behaviour) {
        this.behaviour = behaviour;
        return this;
    }

    int port() {
        return server == null ? port : server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port() + "/hook";
    }

    List<Request> requests() {
        return new ArrayList<>(requests);
    }

    /** Event ids answered 2xx, in the order the answers were decided. */
    List<String> accepted() {
        synchronized (acceptedIds) {
            return new ArrayList<>(acceptedIds);
        }
    }

    List<String> acceptedInRoom(String room) {
        Map<String, String> roomOf = requests.stream().collect(Collectors.toMap(Request::eventId, Request::room,
                (a, b) -> a));
        return accepted().stream().filter(id -> room.equals(roomOf.get(id))).toList();
    }

    private final List<String> acceptedIds = new ArrayList<>();

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String eventId = null;
        String room = null;
        try {
            JsonNode node = JSON.readTree(body);
            eventId = node.path("id").asText(null);
            room = node.path("room").path("name").asText(null);
        } catch (IOException e) {
            // not JSON: recorded as is
        }
        Request request = new Request(body, Map.copyOf(exchange.getRequestHeaders()), Instant.now(), eventId, room);
        requests.add(request);
        Answer answer;
        try {
            answer = behaviour.apply(request);
        } catch (RuntimeException e) {
            answer = Answer.status(500);
        }
        if (answer.delayMs() > 0) {
            try {
                Thread.sleep(answer.delayMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (answer.status() / 100 == 2) {
            synchronized (acceptedIds) {
                acceptedIds.add(eventId);
            }
        }
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
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

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
