package io.livehook.bench;

import com.sun.management.OperatingSystemMXBean;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ceiling of delivery on this host: N POSTs of a participant_joined webhook (about 600 bytes, with the headers
 * a delivery carries) to the receiver {@code bench/delivery-throughput} uses, {@code concurrency} in flight, each on a
 * virtual thread of its own as a delivery attempt is, and nothing else: no outbox, no database. Prints
 * {@code RESULT client requests/s cpu-µs/request seconds} after a warm-up of a fifth of N (not counted).
 *
 * <p>{@code jdk}: the JDK HttpClient as the delivery service configured it before it moved to Helidon's client
 * (HTTP/1.1, no redirects, steps run inline, the answer's first 512 bytes kept by a subscriber and waited for by
 * the request's thread). {@code helidon}: Helidon's HTTP/1.1 WebClient, keep-alive, blocking on the virtual thread.
 *
 * <p>Not a test: {@code bench/http-ceiling} alternates both clients in fresh JVMs and prints the medians.
 * Arguments: client ({@code jdk} or {@code helidon}), requests, the receiver's URL, concurrency.
 */
public final class HttpCeiling {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String AUTHORIZATION = "eyJhbGciOiJIUzI1NiJ9." + "x".repeat(220) + "." + "y".repeat(43);

    private HttpCeiling() {}

    interface Sender {
        int post(byte[] body, int attempt) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String client = args[0];
        int requests = Integer.parseInt(args[1]);
        URI url = URI.create(args[2]);
        int concurrency = Integer.parseInt(args[3]);
        Sender sender = switch (client) {
            case "jdk" -> jdk(url);
            case "helidon" -> helidon(url);
            default -> throw new IllegalArgumentException("jdk or helidon, not " + client);
        };
        Instant now = Instant.now();
        byte[][] bodies = new byte[1000][];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = IngestLoad.body(i, now).getBytes(StandardCharsets.UTF_8);
        }
        run(sender, bodies, requests / 5, concurrency);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long started = System.nanoTime();
        run(sender, bodies, requests, concurrency);
        double seconds = (System.nanoTime() - started) / 1e9;
        long cpu = os.getProcessCpuTime() - cpuBefore;
        System.out.printf("RESULT %s %.0f %.1f %.1f%n", client, requests / seconds, cpu / 1e3 / requests, seconds);
        System.exit(0);
    }

    private static void run(Sender sender, byte[][] bodies, int requests, int concurrency) throws Exception {
        Semaphore slots = new Semaphore(concurrency);
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < requests; i++) {
            slots.acquire();
            byte[] body = bodies[i % bodies.length];
            int attempt = i;
            Thread.ofVirtual().start(() -> {
                try {
                    if (sender.post(body, attempt) != 200) {
                        failed.incrementAndGet();
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                } finally {
                    slots.release();
                }
            });
        }
        slots.acquire(concurrency);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests failed");
        }
    }

    private static Sender jdk(URI url) {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(TIMEOUT)
                .executor(Runnable::run)
                .build();
        return (body, attempt) -> {
            HttpRequest request = HttpRequest.newBuilder(url)
                    .header("Content-Type", "application/webhook+json")
                    .header("User-Agent", "livehook/0.1")
                    .header("Livehook-Attempt", Integer.toString(attempt))
                    .header("Livehook-Origin", "livekit")
                    .header("Authorization", AUTHORIZATION)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            var future = client.sendAsync(request, info -> HttpResponse.BodySubscribers.fromSubscriber(
                    new Snippet(), Snippet::text));
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).statusCode();
        };
    }

    private static Sender helidon(URI url) {
        Http1Client client = Http1Client.builder()
                .connectTimeout(TIMEOUT)
                .readTimeout(TIMEOUT)
                .followRedirects(false)
                .keepAlive(true)
                .shareConnectionCache(false)
                .build();
        System.err.println(client.prototype());
        return (body, attempt) -> {
            Http1ClientRequest request = client.post(url.toString())
                    .header(HeaderNames.CONTENT_TYPE, "application/webhook+json")
                    .header(HeaderNames.USER_AGENT, "livehook/0.1")
                    .header(HeaderNames.create("Livehook-Attempt"), Integer.toString(attempt))
                    .header(HeaderNames.create("Livehook-Origin"), "livekit")
                    .header(HeaderNames.AUTHORIZATION, AUTHORIZATION);
            try (Http1ClientResponse response = request.submit(body)) {
                int status = response.status().code();
                try (InputStream in = response.inputStream()) {
                    byte[] kept = in.readNBytes(512);
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                    new String(kept, StandardCharsets.UTF_8);
                }
                return status;
            }
        };
    }

    private static final class Snippet implements Flow.Subscriber<List<ByteBuffer>> {
        private final byte[] kept = new byte[512];
        private int size;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int take = Math.min(buffer.remaining(), kept.length - size);
                buffer.get(kept, size, take);
                size += take;
            }
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}

        String text() {
            return new String(kept, 0, size, StandardCharsets.UTF_8);
        }
    }
}
