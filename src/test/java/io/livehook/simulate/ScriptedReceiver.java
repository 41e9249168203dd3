package io.livehook.simulate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.livehook.ingest.EventHeader;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A webhook receiver on loopback that answers as its script says and records every request it got, in
 * arrival order, with the raw bytes and the Authorization header.
 */
final class ScriptedReceiver implements AutoCloseable {

    record Request(long arrivedNanos, String authorization, String contentType, byte[] body, String eventId,
            String queueKey) {}

    record Answer(int status, Map<String, String> headers, Duration delay) {
        static Answer status(int status) {
            return new Answer(status, Map.of(), Duration.ZERO);
        }

        static Answer ok() {
            return status(200);
        }
    }

    @FunctionalInterface
    interface Script {
        /** {@code earlier}: how many requests for the same event id came before this one. */
        Answer answer(Request request, int earlier) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Script script;
    private final List<Request> requests = new ArrayList<>();

    ScriptedReceiver(Script script) throws IOException {
        this.script = script;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(executor);
        server.createContext("/webhook", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/webhook");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            EventHeader header;
            try {
                header = EventHeader.read(body);
            } catch (EventHeader.Unreadable e) {
                throw new IOException("not an event: " + e.getMessage(), e);
            }
            Request request = new Request(System.nanoTime(), exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body, header.eventId(), header.queueKey());
            int earlier;
            synchronized (requests) {
                earlier = (int) requests.stream().filter(r -> r.eventId().equals(request.eventId())).count();
                requests.add(request);
            }
            Answer answer = script.answer(request, earlier);
            if (answer.delay().isPositive()) {
                Thread.sleep(answer.delay());
            }
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(answer.status(), -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    List<Request> requestsFor(String eventId) {
        return requests().stream().filter(r -> r.eventId().equals(eventId)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
