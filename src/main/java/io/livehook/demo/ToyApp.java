package io.livehook.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.livehook.livekit.ResourceIds;
import io.livehook.livekit.Verification;
import io.livehook.livekit.WebhookVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The app of the support thread: a LiveKit webhook receiver on loopback that checks LiveKit's signature and
 * whose handler is slow ({@code slowFor}) on a share of requests, as when it writes to a busy database, and
 * fast otherwise. An event counts as received when a correctly signed request for it arrives, whatever
 * happens to the answer: the app saw it. Event ids are counted once; repeats are duplicates. Events livehook
 * wrote itself (a room's end inferred from its silence, a reconciliation) are counted apart: LiveKit never sent
 * them.
 */
public final class ToyApp implements AutoCloseable {
    public static final String PATH = "/livekit-webhook";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the app saw: every request, the distinct event ids, and how many answers were slow. */
    public record Counts(long requests, long received, long duplicates, long slowAnswers, long badSignatures,
            long livehookEvents) {}

    private final double slowShare;
    private final Duration slowFor;
    private final WebhookVerifier verifier;
    private final SplittableRandom random;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;
    private final Set<String> eventIds = ConcurrentHashMap.newKeySet();
    private final Set<String> livehookEventIds = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong slow = new AtomicLong();
    private final AtomicLong badSignatures = new AtomicLong();

    private ToyApp(double slowShare, Duration slowFor, long seed, WebhookVerifier verifier) throws IOException {
        if (!(slowShare >= 0 && slowShare <= 1)) {
            throw new IllegalArgumentException("slow share must be in [0, 1], not " + slowShare);
        }
        if (slowFor.isNegative()) {
            throw new IllegalArgumentException("slow answers cannot take a negative time");
        }
        this.slowShare = slowShare;
        this.slowFor = slowFor;
        this.verifier = verifier;
        this.random = new SplittableRandom(seed);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.setExecutor(executor);
        server.createContext(PATH, this::handle);
    }

    /** Listens on a free loopback port at once. */
    public static ToyApp start(double slowShare, Duration slowFor, long seed, WebhookVerifier verifier)
            throws IOException {
        ToyApp app = new ToyApp(slowShare, slowFor, seed, verifier);
        app.server.start();
        return app;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    public Counts counts() {
        return new Counts(requests.get(), eventIds.size(), duplicates.get(), slow.get(), badSignatures.get(),
                livehookEventIds.size());
    }

    /** Whether a correctly signed request for the event has arrived. */
    public boolean received(String eventId) {
        return eventIds.contains(eventId);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            requests.incrementAndGet();
            byte[] body = in.readAllBytes();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (!(verifier.verify(authorization, body) instanceof Verification.Verified)) {
                badSignatures.incrementAndGet();
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String id = eventId(body);
            if (id == null) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            Set<String> seen = ResourceIds.writtenByLivehook(id) ? livehookEventIds : eventIds;
            if (!seen.add(id)) {
                duplicates.incrementAndGet();
            }
            if (slowNow()) {
                slow.incrementAndGet();
                Thread.sleep(slowFor);
            }
            exchange.sendResponseHeaders(200, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The sender gave up waiting (LiveKit Cloud after 3 s) and closed the connection: nothing to answer.
        }
    }

    private static String eventId(byte[] body) {
        try {
            JsonNode id = JSON.readTree(body).get("id");
            return id != null && id.isTextual() ? id.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private boolean slowNow() {
        synchronized (random) {
            return random.nextDouble() < slowShare;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
