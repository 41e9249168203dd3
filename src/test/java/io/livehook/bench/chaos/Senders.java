package io.livehook.bench.chaos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads that post distinct signed webhooks as fast as they are answered, each on kept-alive connections, and
 * write down every answer: 200s in the ledger, the rest by kind ({@code 503}, {@code refused} for a connection
 * not taken, {@code reset} for one that broke, {@code timeout}).
 */
final class Senders implements AutoCloseable {
    private static final AtomicLong NEXT = new AtomicLong();

    private final Ledger ledger;
    private final URI webhook;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final String prefix;

    private Senders(Ledger ledger, URI webhook, String prefix) {
        this.ledger = ledger;
        this.webhook = webhook;
        this.prefix = prefix;
    }

    static Senders start(Ledger ledger, Target target, int threads, String prefix) {
        Senders senders = new Senders(ledger, target.uri("/webhook"), prefix);
        for (int t = 0; t < threads; t++) {
            senders.threads.add(Thread.ofPlatform().name("sender-" + t).daemon(true).start(senders::send));
        }
        return senders;
    }

    private void send() {
        while (!stop.get()) {
            String id = "EV_" + prefix + Long.toString(NEXT.incrementAndGet(), 36);
            byte[] body = Webhooks.joined(id);
            ledger.sent.add(id);
            String answer;
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/webhook+json").header("Authorization", Webhooks.sign(body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.discarding());
                answer = Integer.toString(response.statusCode());
                if (response.statusCode() == 200) {
                    ledger.acked.add(id);
                }
            } catch (ConnectException e) {
                answer = "refused";
                pause();
            } catch (HttpTimeoutException e) {
                answer = "timeout";
            } catch (IOException e) {
                answer = "reset";
                pause();
            } catch (InterruptedException e) {
                return;
            }
            answers.computeIfAbsent(answer, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int answered(String kind) {
        AtomicInteger n = answers.get(kind);
        return n == null ? 0 : n.get();
    }

    Map<String, Integer> answers() {
        Map<String, Integer> copy = new TreeMap<>();
        answers.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** Resets the counts: what follows is counted apart (after a signal, say). */
    Map<String, Integer> takeAnswers() {
        Map<String, Integer> copy = answers();
        answers.clear();
        return copy;
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(15_000);
        }
        http.close();
    }
}
