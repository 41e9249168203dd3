package io.livehook.simulate;

import io.livehook.livekit.WebhookSigner;
import io.livehook.retry.RetryAfter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * LiveKit's webhook sender for one URL, per its {@link DeliveryProfile}: events queue by their queue key,
 * each queue sends one request at a time, retries only connection errors, 429 and 5xx other than 501
 * (waiting Retry-After on 429/503, else the backoff), and treats every other answer as final. The body is
 * signed once, when the event's turn comes, so every attempt carries the same bytes and the same token.
 */
public final class Sender implements AutoCloseable {
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final URI url;
    private final DeliveryProfile profile;
    private final WebhookSigner signer;
    private final ExecutorService httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;
    private final Map<String, RoomQueue> queues = new ConcurrentHashMap<>();
    private final Queue<SimulatedDelivery> deliveries = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition settled = lock.newCondition();
    private long outstanding;

    public Sender(URI url, DeliveryProfile profile, WebhookSigner signer) {
        this.url = url;
        this.profile = profile;
        this.signer = signer;
        // LiveKit's Go client speaks HTTP/1.1 to http:// URLs; Java's default would try an h2c upgrade.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(httpExecutor)
                .build();
    }

    /** Queues the event as LiveKit would; false when its queue was full and it was dropped. */
    public boolean submit(GeneratedEvent event) {
        begin();
        RoomQueue queue = queues.computeIfAbsent(event.queueKey(), key -> new RoomQueue(profile.maxDepth(), this::handle));
        if (queue.offer(event, System.nanoTime())) {
            return true;
        }
        finish(new SimulatedDelivery(event.id(), event.queueKey(), DeliveryOutcome.QUEUE_FULL, List.of()));
        return false;
    }

    /** Records an event the simulated LiveKit deliberately never sends. */
    public void lose(GeneratedEvent event) {
        begin();
        finish(new SimulatedDelivery(event.id(), event.queueKey(), DeliveryOutcome.SIMULATED_LOSS, List.of()));
    }

    /** Waits until every event submitted so far has an outcome; false if {@code timeout} ran out first. */
    public boolean awaitSettled(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (outstanding > 0) {
                if (left <= 0) {
                    return false;
                }
                left = settled.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Events submitted that have no outcome yet. */
    public long outstanding() {
        lock.lock();
        try {
            return outstanding;
        } finally {
            lock.unlock();
        }
    }

    /** The outcome of every settled event, in the order they settled. */
    public List<SimulatedDelivery> deliveries() {
        return List.copyOf(deliveries);
    }

    private void handle(RoomQueue.Queued queued) {
        GeneratedEvent event = queued.event();
        List<SimulatedDelivery.Attempt> attempts = new ArrayList<>();
        DeliveryOutcome outcome;
        try {
            outcome = deliver(queued, attempts);
        } catch (InterruptedException e) {
            outcome = DeliveryOutcome.UNFINISHED;
        }
        finish(new SimulatedDelivery(event.id(), event.queueKey(), outcome, attempts));
    }

    private DeliveryOutcome deliver(RoomQueue.Queued queued, List<SimulatedDelivery.Attempt> attempts) throws InterruptedException {
        Duration waited = profile.nominal(Duration.ofNanos(System.nanoTime() - queued.enqueuedNanos()));
        if (waited.compareTo(profile.maxAge()) > 0) {
            return DeliveryOutcome.TOO_OLD;
        }
        byte[] body = queued.event().body();
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/webhook+json")
                .header("Authorization", signer.sign(body))
                .header("User-Agent", "LiveKit");
        profile.attemptTimeout().map(profile::real).ifPresent(builder::timeout);
        HttpRequest request = builder.build();

        Duration wait = Duration.ZERO;
        for (int attempt = 1; ; attempt++) {
            if (attempt > 1) {
                Thread.sleep(profile.real(wait));
            }
            Sent answer = send(request, wait);
            SimulatedDelivery.Attempt sent = answer.attempt();
            attempts.add(sent);
            if (sent.succeeded()) {
                return DeliveryOutcome.DELIVERED;
            }
            if (sent.answered() && !retryable(sent.status())) {
                return sent.status() >= 400 && sent.status() < 500 ? DeliveryOutcome.HTTP_4XX : DeliveryOutcome.HTTP_OTHER;
            }
            if (attempt == profile.maxAttempts()) {
                return sent.timedOut() ? DeliveryOutcome.TIMEOUT : DeliveryOutcome.RETRIES_EXHAUSTED;
            }
            wait = answer.retryAfter().orElse(profile.retryWait().delay(attempt));
        }
    }

    private Sent send(HttpRequest request, Duration waitedBefore) throws InterruptedException {
        long start = System.nanoTime();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            Duration latency = Duration.ofNanos(System.nanoTime() - start);
            int status = response.statusCode();
            Optional<Duration> retryAfter = status == 429 || status == 503
                    ? response.headers().firstValue("Retry-After").flatMap(v -> RetryAfter.parse(v, Instant.now()))
                    : Optional.empty();
            return new Sent(new SimulatedDelivery.Attempt(waitedBefore, status, null, false, latency), retryAfter);
        } catch (HttpTimeoutException e) {
            return failed(waitedBefore, "timed out", true, start);
        } catch (ConnectException e) {
            return failed(waitedBefore, "connection refused", false, start);
        } catch (IOException e) {
            return failed(waitedBefore, e.getClass().getSimpleName() + ": " + e.getMessage(), false, start);
        }
    }

    private static Sent failed(Duration waitedBefore, String error, boolean timedOut, long start) {
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        return new Sent(new SimulatedDelivery.Attempt(waitedBefore, 0, error, timedOut, latency), Optional.empty());
    }

    /** go-retryablehttp's DefaultRetryPolicy for an answer: 429, and 5xx except 501 Not Implemented. */
    static boolean retryable(int status) {
        return status == 429 || (status >= 500 && status != 501);
    }

    private void begin() {
        lock.lock();
        try {
            outstanding++;
        } finally {
            lock.unlock();
        }
    }

    private void finish(SimulatedDelivery delivery) {
        deliveries.add(delivery);
        lock.lock();
        try {
            outstanding--;
            if (outstanding == 0) {
                settled.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends delivery now, as a LiveKit restart would: events still waiting and those in flight are recorded
     * {@link DeliveryOutcome#UNFINISHED}.
     */
    @Override
    public void close() {
        for (RoomQueue queue : queues.values()) {
            for (RoomQueue.Queued left : queue.close()) {
                finish(new SimulatedDelivery(left.event().id(), left.event().queueKey(), DeliveryOutcome.UNFINISHED, List.of()));
            }
        }
        try {
            awaitSettled(CLOSE_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.shutdownNow();
        httpExecutor.shutdownNow();
        try {
            httpExecutor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Sent(SimulatedDelivery.Attempt attempt, Optional<Duration> retryAfter) {}
}
