package io.livehook.simulate;

import io.livehook.config.ApiKeys;
import io.livehook.livekit.ResourceIds;
import io.livehook.livekit.Verification;
import io.livehook.livekit.WebhookSigner;
import io.livehook.livekit.WebhookVerifier;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;


class SenderTest {
    private static final String KEY = LivehookFixture.API_KEY;
    private static final String SECRET = LivehookFixture.API_SECRET;
    /** LiveKit's seconds become milliseconds: waits of 1, 2, 4, 8 s take 50, 100, 200, 400 ms. */
    private static final double FAST = 0.05;
    private static final Duration SETTLE = Duration.ofSeconds(20);

    private final SplittableRandom random = new SplittableRandom(11);
    private final WebhookVerifier verifier = new WebhookVerifier(new ApiKeys(Map.of(KEY, SECRET)), Duration.ofSeconds(60),
            Clock.systemUTC());

    @Test
    void retriesServerErrorsOnTheDoublingScheduleUntilDelivered() throws Exception {
        int[] answers = {500, 502, 503, 504, 200};
        try (var receiver = TestReceiver.start((request, earlier) -> TestReceiver.Answer.status(answers[earlier]));
                var sender = sender(receiver.url(), DeliveryProfile.oss().scaled(FAST))) {
            GeneratedEvent event = event("room-a");
            sender.submit(event);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            SimulatedDelivery delivery = only(sender);
            assertThat(delivery.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(delivery.attempts()).extracting(SimulatedDelivery.Attempt::status).containsExactly(500, 502, 503, 504, 200);
            assertThat(delivery.attempts()).extracting(SimulatedDelivery.Attempt::waitedBefore).containsExactly(Duration.ZERO,
                    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8));
            assertGaps(receiver.requestsFor(event.id()), 50, 100, 200, 400);
            assertSameBytesAndTokenAndValid(receiver.requestsFor(event.id()), event);
        }
    }

    @Test
    void givesUpAfterFiveAttempts() throws Exception {
        try (var receiver = TestReceiver.start((request, earlier) -> TestReceiver.Answer.status(500));
                var sender = sender(receiver.url(), DeliveryProfile.oss().scaled(FAST))) {
            GeneratedEvent event = event("room-a");
            sender.submit(event);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            assertThat(only(sender).outcome()).isEqualTo(DeliveryOutcome.RETRIES_EXHAUSTED);
            assertThat(receiver.requestsFor(event.id())).hasSize(5);
        }
    }

    @Test
    void retriesConnectionErrors() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/webhook");
        }
        try (var sender = sender(closed, DeliveryProfile.oss().scaled(FAST))) {
            sender.submit(event("room-a"));
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            SimulatedDelivery delivery = only(sender);
            assertThat(delivery.outcome()).isEqualTo(DeliveryOutcome.RETRIES_EXHAUSTED);
            assertThat(delivery.attempts()).hasSize(5).allSatisfy(a -> {
                assertThat(a.answered()).isFalse();
                assertThat(a.error()).isEqualTo("connection refused");
            });
        }
    }

    @Test
    void notImplementedIsFinal() throws Exception {
        try (var receiver = TestReceiver.start((request, earlier) -> TestReceiver.Answer.status(501));
                var sender = sender(receiver.url(), DeliveryProfile.oss().scaled(FAST))) {
            GeneratedEvent event = event("room-a");
            sender.submit(event);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();
            Thread.sleep(150); // longer than the first retry wait would be

            assertThat(only(sender).outcome()).isEqualTo(DeliveryOutcome.HTTP_OTHER);
            assertThat(receiver.requestsFor(event.id())).hasSize(1);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 409, 413, 415, 422})
    void clientErrorsAreFinal(int status) throws Exception {
        try (var receiver = TestReceiver.start((request, earlier) -> TestReceiver.Answer.status(status));
                var sender = sender(receiver.url(), DeliveryProfile.oss().scaled(FAST))) {
            GeneratedEvent event = event("room-a");
            sender.submit(event);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();
            Thread.sleep(150);

            assertThat(only(sender).outcome()).isEqualTo(DeliveryOutcome.HTTP_4XX);
            assertThat(receiver.requestsFor(event.id())).hasSize(1);
        }
    }

    @Test
    void honoursRetryAfterOn429And503Only() throws Exception {
        List<TestReceiver.Answer> answers = List.of(
                TestReceiver.Answer.status(429).with(Map.of("Retry-After", "3")),
                TestReceiver.Answer.status(503).with(Map.of("Retry-After", "6")),
                TestReceiver.Answer.status(500).with(Map.of("Retry-After", "9")),
                TestReceiver.Answer.ok());
        try (var receiver = TestReceiver.start((request, earlier) -> answers.get(earlier));
                var sender = sender(receiver.url(), DeliveryProfile.oss().scaled(FAST))) {
            GeneratedEvent event = event("room-a");
            sender.submit(event);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            SimulatedDelivery delivery = only(sender);
            assertThat(delivery.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            // Retry-After replaces the backoff on 429 and 503; on a 500 the third backoff (4 s) applies.
            assertThat(delivery.attempts()).extracting(SimulatedDelivery.Attempt::waitedBefore).containsExactly(Duration.ZERO,
                    Duration.ofSeconds(3), Duration.ofSeconds(6), Duration.ofSeconds(4));
            assertGaps(receiver.requestsFor(event.id()), 150, 300, 200);
        }
    }


    @Test
    void cloudTimesOutSlowAnswersAndDropsTheEventAfterThreeAttempts() throws Exception {
        // Answers after 8 LiveKit-seconds: past cloud's 3 s per attempt.
        var slow = TestReceiver.Answer.status(200).after(Duration.ofMillis(400));
        try (var receiver = TestReceiver.start((request, earlier) -> slow);
                var sender = sender(receiver.url(), DeliveryProfile.cloud().scaled(FAST))) {
            GeneratedEvent event = event("room-a");
            sender.submit(event);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            SimulatedDelivery delivery = only(sender);
            assertThat(delivery.outcome()).isEqualTo(DeliveryOutcome.TIMEOUT);
            assertThat(delivery.attempts()).hasSize(3).allSatisfy(a -> assertThat(a.timedOut()).isTrue());
            assertThat(delivery.attempts()).extracting(SimulatedDelivery.Attempt::waitedBefore)
                    .containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2));
            // Each attempt gives up after 150 ms (3 s), then waits 50 ms (1 s), then 100 ms (2 s).
            assertGaps(receiver.requestsFor(event.id()), 200, 250);
            assertThat(delivery.attempts()).allSatisfy(a ->
                    assertThat(a.latency()).isBetween(Duration.ofMillis(140), Duration.ofMillis(390)));
        }
    }

    @Test
    void ossWaitsAsLongAsTheAnswerTakes() throws Exception {
        var slow = TestReceiver.Answer.status(200).after(Duration.ofMillis(400));
        try (var receiver = TestReceiver.start((request, earlier) -> slow);
                var sender = sender(receiver.url(), DeliveryProfile.oss().scaled(FAST))) {
            sender.submit(event("room-a"));
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            SimulatedDelivery delivery = only(sender);
            assertThat(delivery.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(delivery.attempts()).singleElement()
                    .satisfies(a -> assertThat(a.latency()).isGreaterThanOrEqualTo(Duration.ofMillis(400)));
        }
    }

    @Test
    void dropsTheEventThatFindsTwoHundredWaiting() throws Exception {
        CountDownLatch firstArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (var receiver = TestReceiver.start((request, earlier) -> {
                    firstArrived.countDown();
                    release.await();
                    return TestReceiver.Answer.ok();
                });
                var sender = sender(receiver.url(), DeliveryProfile.oss())) {
            List<GeneratedEvent> events = new ArrayList<>();
            for (int i = 0; i < 202; i++) {
                events.add(event("room-a"));
            }
            assertThat(sender.submit(events.getFirst())).isTrue();
            assertThat(firstArrived.await(5, TimeUnit.SECONDS)).isTrue();
            // The event in flight no longer counts: 200 more fit, the next does not.
            for (GeneratedEvent event : events.subList(1, 201)) {
                assertThat(sender.submit(event)).isTrue();
            }
            assertThat(sender.submit(events.get(201))).isFalse();
            release.countDown();
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            Map<String, DeliveryOutcome> outcomes = outcomes(sender);
            assertThat(outcomes.get(events.get(201).id())).isEqualTo(DeliveryOutcome.QUEUE_FULL);
            assertThat(outcomes.values()).filteredOn(o -> o == DeliveryOutcome.DELIVERED).hasSize(201);
            assertThat(receiver.requests()).extracting(TestReceiver.Request::eventId)
                    .containsExactlyElementsOf(events.subList(0, 201).stream().map(GeneratedEvent::id).toList());
        }
    }

    @Test
    void dropsUnsentTheEventsThatWaitedLongerThanThirtySeconds() throws Exception {
        // 30 LiveKit-seconds are 300 ms here; the first answer takes 50 LiveKit-seconds.
        DeliveryProfile profile = DeliveryProfile.oss().scaled(0.01);
        var held = TestReceiver.Answer.status(200).after(Duration.ofMillis(500));
        AtomicBoolean first = new AtomicBoolean(true);
        try (var receiver = TestReceiver.start((request, earlier) ->
                        first.getAndSet(false) ? held : TestReceiver.Answer.ok());
                var sender = sender(receiver.url(), profile)) {
            List<GeneratedEvent> events = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                events.add(event("room-a"));
            }
            for (GeneratedEvent event : events.subList(0, 4)) {
                sender.submit(event);
            }
            Thread.sleep(350); // the fifth event will have waited about 150 ms when its turn comes
            sender.submit(events.get(4));
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            Map<String, DeliveryOutcome> outcomes = outcomes(sender);
            assertThat(events).extracting(e -> outcomes.get(e.id())).containsExactly(DeliveryOutcome.DELIVERED,
                    DeliveryOutcome.TOO_OLD, DeliveryOutcome.TOO_OLD, DeliveryOutcome.TOO_OLD, DeliveryOutcome.DELIVERED);
            assertThat(receiver.requests()).extracting(TestReceiver.Request::eventId)
                    .containsExactly(events.get(0).id(), events.get(4).id());
        }
    }

    @Test
    void keepsOrderWithinEachQueueWhileQueuesInterleave() throws Exception {
        TrafficModel model = new TrafficModel(5, 8, Instant.now(), 1000);
        List<GeneratedEvent> events = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            events.add(model.next());
        }
        // One event in eight fails its first attempt; answers take up to 2 ms.
        try (var receiver = TestReceiver.start((request, earlier) -> TestReceiver.Answer.status(
                        earlier == 0 && Math.floorMod(request.eventId().hashCode(), 8) == 0 ? 503 : 200)
                .after(Duration.ofMillis(Math.floorMod(request.eventId().hashCode() / 8, 3))));
                var sender = sender(receiver.url(), DeliveryProfile.oss().scaled(0.1))) {
            events.forEach(sender::submit);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            assertThat(sender.deliveries()).allSatisfy(d -> assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED));
            assertThat(sender.deliveries()).filteredOn(d -> d.attempts().size() == 2).isNotEmpty();
            List<TestReceiver.Request> arrivals = receiver.requests();
            Map<String, List<String>> generated = byQueue(events.stream().map(e -> new String[] {e.queueKey(), e.id()}).toList());
            Map<String, List<String>> delivered = byQueue(arrivals.stream()
                    .filter(r -> receiver.requestsFor(r.eventId()).getLast() == r)
                    .map(r -> new String[] {r.queueKey(), r.eventId()}).toList());
            assertThat(delivered).isEqualTo(generated);
            int switches = 0;
            for (int i = 1; i < arrivals.size(); i++) {
                if (!arrivals.get(i).queueKey().equals(arrivals.get(i - 1).queueKey())) {
                    switches++;
                }
            }
            assertThat(switches).as("queues are delivered concurrently").isGreaterThan(generated.size() * 3);
            for (GeneratedEvent event : events) {
                assertSameBytesAndTokenAndValid(receiver.requestsFor(event.id()), event);
            }
        }
    }

    @Test
    void recordsSimulatedLossesWithoutSending() throws Exception {
        try (var receiver = TestReceiver.start((request, earlier) -> TestReceiver.Answer.ok());
                var sender = sender(receiver.url(), DeliveryProfile.oss())) {
            GeneratedEvent event = event("room-a");
            sender.lose(event);
            assertThat(sender.awaitSettled(SETTLE)).isTrue();

            assertThat(only(sender).outcome()).isEqualTo(DeliveryOutcome.SIMULATED_LOSS);
            assertThat(receiver.requests()).isEmpty();
        }
    }

    @Test
    void closingRecordsWhatIsStillQueuedOrInFlightAsUnfinished() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try (var receiver = TestReceiver.start((request, earlier) -> {
            never.await();
            return TestReceiver.Answer.ok();
        })) {
            Sender sender = sender(receiver.url(), DeliveryProfile.oss());
            sender.submit(event("room-a"));
            sender.submit(event("room-a"));
            assertThat(sender.awaitSettled(Duration.ofMillis(200))).isFalse();
            sender.close();

            assertThat(sender.deliveries()).hasSize(2)
                    .allSatisfy(d -> assertThat(d.outcome()).isEqualTo(DeliveryOutcome.UNFINISHED));
            never.countDown();
        }
    }

    /** Each signature is made a second after the previous one, so that signing twice shows in the token. */
    private Sender sender(URI url, DeliveryProfile profile) {
        return new Sender(url, profile, new WebhookSigner(KEY, SECRET, new TickingClock()));
    }

    private static final class TickingClock extends Clock {
        private final AtomicLong reads = new AtomicLong();

        @Override
        public Instant instant() {
            return Instant.now().plusSeconds(reads.getAndIncrement() % 30);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private GeneratedEvent event(String room) {
        String id = ResourceIds.next(random, "EV_");
        Instant now = Instant.now();
        String body = "{\"event\":\"participant_joined\",\"room\":{\"name\":\"" + room + "\"},\"id\":\"" + id
                + "\",\"createdAt\":\"" + now.getEpochSecond() + "\"}";
        return new GeneratedEvent(id, "participant_joined", room, room, now, body.getBytes(StandardCharsets.UTF_8));
    }

    private static SimulatedDelivery only(Sender sender) {
        assertThat(sender.deliveries()).hasSize(1);
        return sender.deliveries().getFirst();
    }

    private static Map<String, DeliveryOutcome> outcomes(Sender sender) {
        Map<String, DeliveryOutcome> outcomes = new LinkedHashMap<>();
        sender.deliveries().forEach(d -> outcomes.put(d.eventId(), d.outcome()));
        return outcomes;
    }

    private static Map<String, List<String>> byQueue(List<String[]> keyAndId) {
        Map<String, List<String>> byQueue = new LinkedHashMap<>();
        keyAndId.forEach(pair -> byQueue.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]));
        return byQueue;
    }

    /**
     * Gaps between consecutive arrivals: about the scheduled wait, and not much more. An arrival is stamped when the
     * receiver's thread gets to it, which on a busy machine can be late by tens of milliseconds for one request and
     * not the next: the lower bound allows for that.
     */
    /**
     * Arrival times measured from the first attempt's: a late stamp of one arrival (a busy machine) shortens the
     * next gap as much as it lengthens its own, so the running total is checked rather than each gap alone.
     */
    private static void assertGaps(List<TestReceiver.Request> arrivals, long... expectedMillis) {
        assertThat(arrivals).hasSize(expectedMillis.length + 1);
        long expectedSinceFirst = 0;
        for (int i = 0; i < expectedMillis.length; i++) {
            expectedSinceFirst += expectedMillis[i];
            long sinceFirst = TimeUnit.NANOSECONDS.toMillis(arrivals.get(i + 1).arrivedNanos()
                    - arrivals.get(0).arrivedNanos());
            assertThat(sinceFirst).as("time from attempt 1 to attempt %d", i + 2)
                    .isBetween(expectedSinceFirst - 40, expectedSinceFirst + 250L * (i + 1));
        }
    }

    private void assertSameBytesAndTokenAndValid(List<TestReceiver.Request> attempts, GeneratedEvent event) {
        assertThat(attempts).isNotEmpty().allSatisfy(r -> {
            assertThat(r.body()).isEqualTo(event.body());
            assertThat(r.authorization()).isEqualTo(attempts.getFirst().authorization()).doesNotStartWith("Bearer ");
            assertThat(r.contentType()).isEqualTo("application/webhook+json");
            assertThat(verifier.verify(r.authorization(), r.body())).isInstanceOf(Verification.Verified.class);
        });
    }
}
