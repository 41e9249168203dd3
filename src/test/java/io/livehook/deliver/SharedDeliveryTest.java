package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.cluster.Leases;
import io.livehook.config.ConfigLoader;
import io.livehook.config.DestinationConfig;
import io.livehook.ingest.EventHeader;
import io.livehook.log.FileEventLog;
import io.livehook.log.IncomingEvent;
import io.livehook.log.Origin;
import io.livehook.process.Processor;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.state.StateLocation;
import io.livehook.state.StateStore;
import io.livehook.state.TestPostgres;
import io.livehook.testing.TestReceiver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two livehooks with the deliver role on one PostgreSQL state: one delivers at a time under the cluster's
 * deliver lease, and when it is cut off from the database mid-request the other takes over, sends again what
 * was left in flight (as unknown) and finishes the rest, in each room's order.
 */
class SharedDeliveryTest {
    private static final int ROOMS = 8;
    private static final int EVENTS = 120;
    private static final Duration LEASE = Duration.ofMillis(1500);
    private static final Duration RENEW = Duration.ofMillis(250);

    @TempDir
    Path dir;

    @Test
    void oneDeliversAtATimeAndTheOtherTakesOverWhatWasInFlight() throws Exception {
        AtomicBoolean slow = new AtomicBoolean(false);
        try (TestReceiver receiver = TestReceiver.start().behave(r -> slow.get()
                ? TestReceiver.Answer.ok().after(Duration.ofSeconds(3)) : TestReceiver.Answer.ok())) {
            List<DestinationConfig> destinations = destinations(receiver);
            StateLocation location = TestPostgres.location(TestPostgres.newDatabase());
            Clock clock = Clock.systemUTC();
            try (FileEventLog log = new FileEventLog(dir.resolve("events.log"));
                    StateStore first = StateStore.open(location);
                    StateStore second = StateStore.open(location)) {
                fill(log);
                try (Processor processor = new Processor(log, first, 4, clock, new SimpleMeterRegistry(),
                        new Outbox(destinations, () -> {}), 0)) {
                    processor.start();
                    assertThat(processor.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                }
                // Every request hangs: the first to start holds the lease, with requests in flight.
                slow.set(true);
                DeliveryService a = new DeliveryService(destinations, first, log, clock, new SimpleMeterRegistry());
                Leases aLease = new Leases(first, "deliver", 1, "a", clock, LEASE, RENEW);
                a.start(aLease);
                await("a holds the deliver lease and has requests out", () -> aLease.epoch(0) >= 0
                        && !receiver.requests().isEmpty());
                DeliveryService b = new DeliveryService(destinations, second, log, clock, new SimpleMeterRegistry());
                Leases bLease = new Leases(second, "deliver", 1, "b", clock, LEASE, RENEW);
                b.start(bLease);
                Thread.sleep(LEASE.toMillis());
                assertThat(bLease.epoch(0)).as("b waits while a holds the lease").isEqualTo(-1);
                assertThat(b.summary()).allSatisfy(s -> assertThat(s.inFlight()).isZero());

                // a is cut off from the database: no renewal, no recorded answer. b takes over after the lease.
                int outBeforeCut = receiver.requests().size();
                first.close();
                slow.set(false);
                await("b takes the lease over", () -> bLease.epoch(0) >= 0);
                await("every event delivered", () -> b.store().count("app", Delivery.DELIVERED) == EVENTS);

                List<String> resent = new ArrayList<>();
                for (TestReceiver.Request request : receiver.requests()) {
                    if (receiver.requestsFor(request.eventId()).size() > 1 && !resent.contains(request.eventId())) {
                        resent.add(request.eventId());
                    }
                }
                assertThat(outBeforeCut).isPositive();
                assertThat(resent).as("only what was in flight at the cut is sent twice").hasSizeLessThanOrEqualTo(
                        outBeforeCut);
                for (String eventId : resent) {
                    List<DeliveryAttempt> attempts = b.store().attempts(b.store().deliveries("app", eventId).get(0));
                    assertThat(attempts).extracting(DeliveryAttempt::outcome).contains(DeliveryAttempt.UNKNOWN);
                }
                for (int room = 0; room < ROOMS; room++) {
                    List<String> firstArrivals = List.copyOf(new LinkedHashSet<>(receiver.acceptedInRoom("room-" + room)));
                    assertThat(firstArrivals).as("room-%d in order", room).isEqualTo(idsOfRoom(room));
                }
                b.close(Duration.ofSeconds(5));
                a.close(Duration.ZERO);
            }
        }
    }

    private List<DestinationConfig> destinations(TestReceiver receiver) throws Exception {
        Path yaml = Files.writeString(dir.resolve("livehook.yaml"), """
                destinations:
                  - name: app
                    url: %s
                    concurrency: 4
                """.formatted(receiver.url()));
        return new ConfigLoader(Map.of("LIVEKIT_API_KEY", "APIkey", "LIVEKIT_API_SECRET",
                "a-secret-of-at-least-thirty-two-characters", "LIVEHOOK_DATA_DIR", dir.resolve("data").toString()))
                .load(Optional.of(yaml), false).destinations();
    }

    private static void fill(FileEventLog log) throws Exception {
        Instant now = Instant.now();
        for (int i = 0; i < EVENTS; i++) {
            byte[] bytes = body(i, now).getBytes(StandardCharsets.UTF_8);
            EventHeader header = EventHeader.read(bytes);
            log.append(new IncomingEvent(header.eventId(), header.eventType(), header.queueKey(), bytes, now, "APIkey",
                    Origin.LIVEKIT));
        }
    }

    private static List<String> idsOfRoom(int room) {
        List<String> ids = new ArrayList<>();
        for (int i = room; i < EVENTS; i += ROOMS) {
            ids.add(id(i));
        }
        return ids;
    }

    private static String id(int i) {
        return "EV_shared_" + i;
    }

    private static String body(int i, Instant now) {
        long secs = now.getEpochSecond();
        int room = i % ROOMS;
        return """
                {"event":"participant_joined","room":{"sid":"RM_shared%d","name":"room-%d","creationTime":"%d"},\
                "participant":{"sid":"PA_shared%d","identity":"user-%d","state":"ACTIVE","joinedAt":"%d"},\
                "id":"%s","createdAt":"%d"}""".formatted(room, room, secs - 60, i, i, secs, id(i), secs);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
