package io.livehook.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.sun.net.httpserver.HttpServer;
import io.livehook.Livehook;
import io.livehook.config.ConfigLoader;
import io.livehook.deliver.LiveKitSigner;
import io.livehook.log.LoggedEvent;
import io.livehook.log.Origin;
import io.livehook.simulate.LiveKitScene;
import io.livehook.simulate.Participant;
import io.livehook.simulate.RoomServiceServer;
import io.livehook.state.Anomaly;
import io.livehook.state.Jdbc;
import io.livehook.state.Room;
import io.livehook.state.Rows;
import io.livehook.state.Session;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import livekit.LivekitModels.ParticipantInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reconciler against the simulator's RoomService on loopback (Twirp, JSON and protobuf, tokens and grants
 * checked), a real livehook in this JVM taking the webhooks the test chooses to deliver, and real SQLite files.
 */
class ReconcilerTest {
    static final String KEY = "APIreconcile";
    static final String SECRET = "reconcile-secret-long-enough-for-hs256";
    static final String TOKEN = "reconcile-api-token-1f2e3d4c5b6a7980";
    static final Duration GRACE = Duration.ofMillis(800);
    static final Duration SETTLE = Duration.ofMillis(150);
    static final String ROOM = "standup";

    @TempDir
    Path dir;

    final LiveKitScene scene = new LiveKitScene();
    final HttpClient http = HttpClient.newHttpClient();
    final List<AutoCloseable> open = new ArrayList<>();
    Livehook livehook;
    RoomServiceServer roomService;
    MeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    // -- the three kinds of correction -------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(TwirpRoomService.Encoding.class)
    void aMissingLeaveEndsTheSession_atTheTimeOfTheListThatFoundItGone(TwirpRoomService.Encoding encoding)
            throws Exception {
        Receiver receiver = receiver();
        startLivehook(Map.of(), """
                destinations:
                  - name: app
                    url: %s
                """.formatted(receiver.url));
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant alice = scene.join(ROOM, "alice", t);
        Participant bob = scene.join(ROOM, "bob", t);
        deliver(scene.joined(alice, t), scene.joined(bob, t));
        scene.leave(bob, Instant.now()); // lost
        Thread.sleep(GRACE.plusMillis(200));

        Instant before = Instant.now();
        Reconciler.Summary summary = reconciler(client(encoding)).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo("session_ended");
            assertThat(c.participantSid()).isEqualTo(bob.sid());
            assertThat(c.eventId()).startsWith("LH_");
        });
        assertThat(summary.roomsChecked()).isEqualTo(1);
        assertThat(summary.participantsListed()).as("alice, in each of the two looks").isEqualTo(2);
        Session ended = session(bob.sid());
        assertThat(ended.endSource()).isEqualTo("reconciled");
        assertThat(ended.leftAtMs()).isBetween(before.toEpochMilli() / 1000 * 1000, Instant.now().toEpochMilli());
        assertThat(session(alice.sid()).open()).isTrue();
        assertThat(anomalies()).extracting(Anomaly::kind).containsExactly("reconciled");
        assertThat(counter("livehook.reconcile.corrections", "kind", "session_ended")).isEqualTo(1);
        assertThat(counter("livehook.reconcile.runs", "outcome", "ok")).isEqualTo(1);

        LoggedEvent logged = livehook.eventLog().read(0, 0, 100).getLast();
        assertThat(logged.origin()).isEqualTo(Origin.LIVEHOOK);
        assertThat(logged.eventType()).isEqualTo("participant_left");
        assertThat(logged.eventId()).isEqualTo(summary.corrections().getFirst().eventId());

        await(() -> receiver.requests.size() == 4, "the four events delivered");
        Receiver.Request forwarded = receiver.requests.getLast();
        assertThat(forwarded.origin).isEqualTo("livehook");
        assertThat(forwarded.body).contains("\"id\":\"LH_").contains("\"event\":\"participant_left\"");
        assertThat(receiver.requests.getFirst().origin).isEqualTo("livekit");
    }

    @Test
    void aMissingJoinOpensTheSession_withLiveKitsJoinTime() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Instant joinedAt = Instant.now().minusMillis(1234);
        Participant carol = scene.join(ROOM, "carol", joinedAt); // participant_joined lost

        Reconciler.Summary summary = reconciler(client(TwirpRoomService.Encoding.JSON)).reconcile(Optional.of(ROOM));
        awaitProcessed();

        assertThat(summary.corrections()).extracting(Reconciler.Done::kind).containsExactly("session_opened");
        Session opened = session(carol.sid());
        assertThat(opened.open()).isTrue();
        assertThat(opened.startSource()).isEqualTo("reconciled");
        assertThat(opened.joinedAtMs()).isEqualTo(joinedAt.toEpochMilli());
        assertThat(opened.identity()).isEqualTo("carol");
        assertThat(counter("livehook.reconcile.corrections", "kind", "session_opened")).isEqualTo(1);
    }

    @Test
    void aMissingRoomEndFinishesTheRoomAndWhoWasLeftInIt() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant alice = scene.join(ROOM, "alice", t);
        deliver(scene.joined(alice, t));
        scene.leave(alice, Instant.now()); // lost
        scene.finish(ROOM, Instant.now()); // lost
        Thread.sleep(GRACE.plusMillis(200));

        Reconciler.Summary summary = reconciler(client(TwirpRoomService.Encoding.PROTOBUF)).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).extracting(Reconciler.Done::kind).containsExactly("room_finished");
        Room room = room(scene.roomSid(ROOM));
        assertThat(room.active()).isFalse();
        assertThat(room.endSource()).isEqualTo("reconciled");
        assertThat(session(alice.sid()).endSource()).isEqualTo("room_finished");
        assertThat(counter("livehook.reconcile.corrections", "kind", "room_finished")).isEqualTo(1);
        assertThat(counter("livehook.reconcile.requests", "method", "ListParticipants", "outcome", "ok"))
                .as("a room LiveKit does not have is not asked for its participants").isZero();
    }

    // -- LiveKit unreachable or refusing -----------------------------------------------------------------

    @Test
    void liveKitDown_correctsNothing_backsOff_andRecovers() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        Participant alice = aliceWhoseLeaveWasLost(t);
        Thread.sleep(GRACE.plusMillis(200));
        int port = freePort();
        TwirpRoomService down = new TwirpRoomService("http://127.0.0.1:" + port, KEY, SECRET,
                TwirpRoomService.Encoding.JSON, Duration.ofSeconds(2), Clock.systemUTC());

        Reconciler onDemand = reconciler(down);
        assertThatThrownBy(() -> onDemand.reconcile(Optional.empty()))
                .isInstanceOf(RoomServiceException.class).hasMessageContaining("ListRooms")
                .hasMessageNotContaining(SECRET);
        assertThat(session(alice.sid()).open()).as("an error is not an empty list").isTrue();
        assertThat(counter("livehook.reconcile.runs", "outcome", "error")).isEqualTo(1);

        registry = new SimpleMeterRegistry();
        var settings = new Reconciler.Settings(Duration.ofMillis(50), Duration.ZERO, GRACE, SETTLE, 100,
                Duration.ofMillis(500), Duration.ofSeconds(1));
        Reconciler scheduled = new Reconciler(down, livehook.eventLog(), livehook.state(), Clock.systemUTC(), settings,
                registry);
        open.add(scheduled);
        scheduled.start();
        Thread.sleep(3000);
        double failed = counter("livehook.reconcile.runs", "outcome", "error");
        // Every 50 ms would be ~12 passes at the scheduler's tick; waiting 0.5, 1, 1, 1 s allows about 4.
        assertThat(failed).isBetween(2.0, 5.0);
        assertThat(session(alice.sid()).open()).isTrue();
        assertThat(livehook.eventLog().read(0, 0, 100)).noneMatch(e -> e.origin() == Origin.LIVEHOOK);

        roomService = RoomServiceServer.start(scene.truth(), "127.0.0.1", port, KEY, SECRET);
        open.add(roomService);
        await(() -> !session(alice.sid()).open(), "corrected once LiveKit answers again");
        assertThat(session(alice.sid()).endSource()).isEqualTo("reconciled");
    }

    @Test
    void aFailureOnTheSecondLookCorrectsNothing() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        Participant alice = aliceWhoseLeaveWasLost(t);
        Thread.sleep(GRACE.plusMillis(200));
        RoomService real = client(TwirpRoomService.Encoding.JSON);
        RoomService failingSecondTime = looking(real, new AtomicInteger(), (look, listed) -> {
            if (look > 1) {
                throw new RoomServiceException("ListParticipants: LiveKit answered HTTP 503");
            }
            return listed;
        });

        assertThatThrownBy(() -> reconciler(failingSecondTime).reconcile(Optional.empty()))
                .isInstanceOf(RoomServiceException.class);
        awaitProcessed();
        assertThat(session(alice.sid()).open()).isTrue();
    }

    @Test
    void theFakeRefusesWrongSecretsAndMissingGrants_soOurClientsGrantsAreProvenRight() throws Exception {
        startLivehook(Map.of(), "");
        deliver(scene.startRoom(ROOM, Instant.now()));
        scene.join(ROOM, "alice", Instant.now());
        roomService();

        TwirpRoomService wrongSecret = new TwirpRoomService(roomService.url().toString(), KEY, "not-the-secret-at-all",
                TwirpRoomService.Encoding.JSON, Duration.ofSeconds(2), Clock.systemUTC());
        assertThatThrownBy(() -> wrongSecret.listRooms(List.of()))
                .isInstanceOf(RoomServiceException.class)
                .hasMessageContaining("HTTP 401 unauthenticated")
                .hasMessageNotContaining("not-the-secret-at-all");

        assertThat(twirp("ListParticipants", Map.of("roomList", true), "{\"room\":\"" + ROOM + "\"}"))
                .as("roomList does not allow listing participants").isEqualTo(401);
        assertThat(twirp("ListParticipants", Map.of("roomAdmin", true, "room", "another"), "{\"room\":\"" + ROOM + "\"}"))
                .as("roomAdmin is per room").isEqualTo(401);
        assertThat(twirp("ListRooms", Map.of("roomAdmin", true, "room", ROOM), "{}")).isEqualTo(401);
        assertThat(twirp("ListRooms", Map.of("roomList", true), "{}")).isEqualTo(200);

        TwirpRoomService ours = client(TwirpRoomService.Encoding.JSON);
        assertThat(ours.listRooms(List.of(ROOM))).extracting(livekit.LivekitModels.Room::getName).containsExactly(ROOM);
        assertThat(ours.listParticipants(ROOM)).extracting(ParticipantInfo::getIdentity).containsExactly("alice");
        assertThat(ours.listParticipants("nobody-here")).as("an unknown room has nobody").isEmpty();
    }

    @Test
    void liveKitsWebSocketAddressMapsToItsApi() {
        assertThat(TwirpRoomService.httpBase("wss://demo.livekit.cloud/")).isEqualTo(URI.create("https://demo.livekit.cloud"));
        assertThat(TwirpRoomService.httpBase("ws://127.0.0.1:7880")).isEqualTo(URI.create("http://127.0.0.1:7880"));
        assertThat(TwirpRoomService.httpBase("https://demo.livekit.cloud")).isEqualTo(URI.create("https://demo.livekit.cloud"));
    }

    @Test
    void backoffDoublesUpToItsCap() {
        var settings = new Reconciler.Settings(Duration.ofSeconds(60), Duration.ofSeconds(5), GRACE, SETTLE, 10,
                Duration.ofSeconds(1), Duration.ofSeconds(5));
        Reconciler r = new Reconciler(participantsOf(List.of()), null, null, Clock.systemUTC(), settings, registry);
        assertThat(List.of(1, 2, 3, 4, 10).stream().map(r::backoff).toList()).containsExactly(Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    // -- races -------------------------------------------------------------------------------------------

    /**
     * LiveKit's list was taken before the participant joined (or its answer is stale): livehook has just heard
     * of it, so it is spared until the grace is over, whatever the list says.
     */
    @Test
    void aParticipantHeardOfWithinTheGrace_isNotEnded_evenWhenTheListOmitsIt() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant dave = scene.join(ROOM, "dave", t);
        deliver(scene.joined(dave, t));
        // LiveKit answers as it was before dave joined.
        Reconciler reconciler = reconciler(participantsOf(List.of()));

        Reconciler.Summary summary = reconciler.reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).isEmpty();
        assertThat(summary.deferred()).isEqualTo(1);
        assertThat(session(dave.sid()).open()).isTrue();
    }

    /** A webhook that spent long in flight counts from when it arrived, not from when LiveKit stamped it. */
    @Test
    void aLateWebhookOrARecentTrackEventSparesTheSession() throws Exception {
        startLivehook(Map.of(), "");
        Instant longAgo = Instant.now().minusSeconds(60);
        deliver(scene.startRoom(ROOM, longAgo));
        Participant erin = scene.join(ROOM, "erin", longAgo);
        Participant frank = scene.join(ROOM, "frank", longAgo);
        deliver(scene.joined(frank, longAgo));
        Thread.sleep(GRACE.plusMillis(200));
        deliver(scene.joined(erin, longAgo)); // stamped a minute ago, arrived now
        deliver(scene.publish(frank, Instant.now()));
        scene.leave(erin, Instant.now());
        scene.leave(frank, Instant.now());

        Reconciler.Summary summary = reconciler(client(TwirpRoomService.Encoding.JSON)).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).isEmpty();
        assertThat(summary.deferred()).isEqualTo(2);
        assertThat(session(erin.sid()).open()).isTrue();
        assertThat(session(frank.sid()).open()).isTrue();

        Thread.sleep(GRACE.plusMillis(200));
        assertThat(reconciler(client(TwirpRoomService.Encoding.JSON)).reconcile(Optional.empty()).corrections())
                .as("once the grace is over").hasSize(2);
    }

    @Test
    void absentFromTheFirstListButBackInTheSecond_isNotEnded() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant gina = scene.join(ROOM, "gina", t);
        deliver(scene.joined(gina, t));
        Thread.sleep(GRACE.plusMillis(200));
        RoomService real = client(TwirpRoomService.Encoding.PROTOBUF);
        AtomicInteger looks = new AtomicInteger();
        RoomService blinking = looking(real, looks, (look, listed) -> look == 1 ? List.of() : listed);

        Reconciler.Summary summary = reconciler(blinking).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(looks.get()).isEqualTo(2);
        assertThat(summary.corrections()).isEmpty();
        assertThat(summary.deferred()).isEqualTo(1);
        assertThat(session(gina.sid()).open()).isTrue();
    }

    @Test
    void aJoinWebhookArrivingDuringTheSettle_isNotOpenedAgain() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant hugo = scene.join(ROOM, "hugo", t);
        RoomService real = client(TwirpRoomService.Encoding.JSON);
        AtomicInteger looks = new AtomicInteger();
        RoomService joinInFlight = looking(real, looks, (look, listed) -> {
            if (look == 2) {
                try {
                    deliver(scene.joined(hugo, t));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return listed;
        });

        Reconciler.Summary summary = reconciler(joinInFlight).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(looks.get()).isEqualTo(2);
        assertThat(summary.corrections()).isEmpty();
        assertThat(summary.deferred()).isEqualTo(1);
        assertThat(session(hugo.sid()).startSource()).isEqualTo("participant_joined");
    }

    // -- when it runs ------------------------------------------------------------------------------------

    @Test
    void anAnomalyInARoomBringsItsPassForward() throws Exception {
        startLivehook(Map.of("LIVEHOOK_RECONCILE_INTERVAL", "3600", "LIVEHOOK_RECONCILE_ANOMALY_DELAY", "1",
                "LIVEHOOK_RECONCILE_GRACE", "2"), "");
        Instant t = Instant.now().minusSeconds(30);
        Participant alice = aliceWhoseLeaveWasLost(t);
        Thread.sleep(2500); // the first full pass ran after 1 s, when alice was still within the grace
        assertThat(session(alice.sid()).open()).isTrue();

        Participant ivan = scene.join(ROOM, "ivan", Instant.now()); // participant_joined lost
        deliver(scene.publish(ivan, Instant.now())); // track_from_unknown_participant
        await(() -> !session(alice.sid()).open(), "alice's lost leave corrected well before the hour");
        assertThat(session(alice.sid()).endSource()).isEqualTo("reconciled");
    }

    @Test
    void theApiAndCliRunAPassOnDemand_behindTheApiToken() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        scene.join(ROOM, "judy", t); // participant_joined lost
        String base = "http://127.0.0.1:" + livehook.port();

        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/api/reconcile"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = io.livehook.cli.Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("reconcile", "--url", base, "--token", TOKEN, "--room", ROOM);
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("checked 1 room(s)").contains("1 correction(s)")
                .contains("session_opened").contains("judy");
        awaitProcessed();

        code = io.livehook.cli.Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("reconcile", "--url", base, "--token", TOKEN, "--room", "no-such-room");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("404").contains("no active room named no-such-room");

        HttpResponse<String> all = http.send(HttpRequest.newBuilder(URI.create(base + "/api/reconcile"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.body()).contains("\"rooms_checked\":1").contains("\"corrections\":[]");

        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("livehook_reconcile_corrections_total{kind=\"session_opened\"} 1.0")
                .contains("livehook_reconcile_runs_total{outcome=\"ok\"}")
                .contains("livehook_reconcile_requests_total{method=\"ListParticipants\",outcome=\"ok\"}");
    }

    @Test
    void withoutLiveKitsAddressReconciliationIsOff_andTheApiSaysSo() throws Exception {
        var config = new ConfigLoader(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dir.toString(), "LIVEKIT_API_KEY", KEY, "LIVEKIT_API_SECRET", SECRET,
                "LIVEHOOK_API_TOKEN", TOKEN)).load(Optional.empty(), false);
        livehook = Livehook.start(config, Clock.systemUTC());
        open.add(livehook);

        assertThat(livehook.reconciler()).isEmpty();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + livehook.port() + "/api/reconcile"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.body()).contains("LIVEKIT_URL");
    }

    // -- fixtures ----------------------------------------------------------------------------------------

    /**
     * A livehook whose own reconciler is on (pointed at the fake) but idle unless {@code env} says otherwise;
     * tests run passes with reconcilers of their own on the same log and state.
     */
    void startLivehook(Map<String, String> env, String yaml) throws Exception {
        roomService();
        Map<String, String> all = new HashMap<>(Map.of("LIVEHOOK_PORT", "0", "LIVEHOOK_HOST", "127.0.0.1",
                "LIVEHOOK_DATA_DIR", dir.resolve("data").toString(), "LIVEKIT_API_KEY", KEY,
                "LIVEKIT_API_SECRET", SECRET, "LIVEHOOK_API_TOKEN", TOKEN, "LIVEKIT_URL", roomService.url().toString(),
                "LIVEHOOK_RECONCILE_INTERVAL", "86400", "LIVEHOOK_RECONCILE_ANOMALY_DELAY", "3600",
                "LIVEHOOK_RECONCILE_GRACE", "0"));
        all.put("LIVEHOOK_RECONCILE_SETTLE_MS", Long.toString(SETTLE.toMillis()));
        all.put("LIVEHOOK_DRAIN_SECONDS", "0");
        all.putAll(env);
        Path file = dir.resolve("livehook.yaml");
        Files.writeString(file, yaml);
        var config = new ConfigLoader(all).load(Optional.of(file), false);
        livehook = Livehook.start(config, Clock.systemUTC());
        open.add(livehook);
    }

    void roomService() {
        if (roomService == null) {
            roomService = RoomServiceServer.start(scene.truth(), "127.0.0.1", 0, KEY, SECRET);
            open.add(roomService);
        }
    }

    TwirpRoomService client(TwirpRoomService.Encoding encoding) {
        return new TwirpRoomService(roomService.url().toString(), KEY, SECRET, encoding, Duration.ofSeconds(5),
                Clock.systemUTC());
    }

    Reconciler reconciler(RoomService service) {
        var settings = new Reconciler.Settings(Duration.ofHours(1), Duration.ofHours(1), GRACE, SETTLE, 50,
                Duration.ofSeconds(1), Duration.ofSeconds(5));
        return new Reconciler(service, livehook.eventLog(), livehook.state(), Clock.systemUTC(), settings, registry);
    }

    /** Alice joined the room at {@code t}, both webhooks delivered, and left: LiveKit's participant_left was lost. */
    Participant aliceWhoseLeaveWasLost(Instant t) throws Exception {
        deliver(scene.startRoom(ROOM, t));
        Participant alice = scene.join(ROOM, "alice", t);
        deliver(scene.joined(alice, t));
        scene.leave(alice, t);
        return alice;
    }

    /** What one ListParticipants answers, given which look it is (from 1) and what the real service listed. */
    @FunctionalInterface
    interface Look {
        List<ParticipantInfo> answer(int look, List<ParticipantInfo> listed) throws RoomServiceException;
    }

    /** The real room service, with each ListParticipants answer passed through {@code look}. */
    static RoomService looking(RoomService real, AtomicInteger looks, Look look) {
        return new RoomService() {
            @Override
            public List<livekit.LivekitModels.Room> listRooms(List<String> names) throws RoomServiceException {
                return real.listRooms(names);
            }

            @Override
            public List<ParticipantInfo> listParticipants(String room) throws RoomServiceException {
                return look.answer(looks.incrementAndGet(), real.listParticipants(room));
            }
        };
    }

    /** A RoomService that has every room of the scene open, each holding exactly these participants. */
    RoomService participantsOf(List<ParticipantInfo> participants) {
        return new RoomService() {
            @Override
            public List<livekit.LivekitModels.Room> listRooms(List<String> names) {
                return names.stream().map(n -> livekit.LivekitModels.Room.newBuilder().setName(n)
                        .setSid(scene.roomSid(n)).build()).toList();
            }

            @Override
            public List<ParticipantInfo> listParticipants(String room) {
                return participants;
            }
        };
    }

    void deliver(byte[]... bodies) throws Exception {
        LiveKitSigner signer = new LiveKitSigner(KEY, SECRET, Clock.systemUTC());
        for (byte[] body : bodies) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + livehook.port() + "/webhook"))
                    .header("Content-Type", "application/webhook+json")
                    .header("Authorization", signer.sign(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
        awaitProcessed();
    }

    void awaitProcessed() throws InterruptedException {
        assertThat(livehook.processor().awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
    }

    int twirp(String method, Map<String, ?> grant, String body) throws Exception {
        String token = JWT.create().withIssuer(KEY).withExpiresAt(Date.from(Instant.now().plusSeconds(60)))
                .withClaim("video", grant).sign(Algorithm.HMAC256(SECRET));
        return http.send(HttpRequest.newBuilder(roomService.url().resolve("/twirp/livekit.RoomService/" + method))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    Session session(String sid) {
        return livehook.state().read(c -> Jdbc.one(c, "SELECT " + Rows.SESSION_COLUMNS + " FROM sessions WHERE sid = ?",
                Rows::session, sid)).orElseThrow(() -> new AssertionError("no session " + sid));
    }

    Room room(String sid) {
        return livehook.state().read(c -> Jdbc.one(c, "SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE sid = ?",
                Rows::room, sid)).orElseThrow(() -> new AssertionError("no room " + sid));
    }

    List<Anomaly> anomalies() {
        return livehook.state().read(c -> Jdbc.list(c, "SELECT " + Rows.ANOMALY_COLUMNS + " FROM anomalies ORDER BY id",
                Rows::anomaly));
    }

    double counter(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    Receiver receiver() throws Exception {
        Receiver receiver = new Receiver();
        open.add(receiver);
        return receiver;
    }

    /** A destination that answers 200 and keeps what it got. */
    static final class Receiver implements AutoCloseable {
        record Request(String origin, String body) {}

        final List<Request> requests = new CopyOnWriteArrayList<>();
        final HttpServer server;
        final URI url;

        Receiver() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                exchange.getRequestBody().transferTo(body);
                requests.add(new Request(exchange.getRequestHeaders().getFirst("Livehook-Origin"),
                        body.toString(StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
