package io.livehook.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.livehook.Livehook;
import io.livehook.livekit.RoomService;
import io.livehook.livekit.RoomServiceClient;
import io.livehook.livekit.RoomServiceException;
import io.livehook.livekit.Twirp;
import io.livehook.log.LoggedEvent;
import io.livehook.log.Origin;
import io.livehook.retry.Backoff;
import io.livehook.simulate.LiveKitScene;
import io.livehook.simulate.Participant;
import io.livehook.simulate.RoomServiceServer;
import io.livehook.simulate.SimulatedTrack;
import io.livehook.state.Anomaly;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateBackend;
import io.livehook.state.StateLocation;
import io.livehook.state.StateSql;
import io.livehook.state.Track;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import livekit.LivekitModels.ParticipantInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reconciler against the simulator's RoomService on loopback (Twirp, JSON and protobuf, tokens and grants
 * checked), a real livehook in this JVM taking the webhooks the test chooses to deliver, and a real state store
 * on each database the state can live in.
 */
@ParameterizedClass
@EnumSource(StateBackend.class)
class ReconcilerTest {
    static final String KEY = LivehookFixture.API_KEY;
    static final String SECRET = LivehookFixture.API_SECRET;
    static final String TOKEN = LivehookFixture.TOKEN;
    static final Duration GRACE = Duration.ofMillis(800);
    static final Duration SETTLE = Duration.ofMillis(150);
    static final String ROOM = "standup";

    @Parameter
    StateBackend backend;
    @TempDir
    Path dir;
    StateLocation state;

    final LiveKitScene scene = new LiveKitScene();
    final HttpClient http = HttpClient.newHttpClient();
    final List<AutoCloseable> open = new ArrayList<>();
    LivehookFixture fixture;
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
    @EnumSource(Twirp.Encoding.class)
    void aMissingLeaveEndsTheSession_atTheTimeOfTheListThatFoundItGone(Twirp.Encoding encoding)
            throws Exception {
        TestReceiver receiver = receiver();
        startLivehook(Map.of(), """
                destinations:
                  - name: app
                    url: %s
                """.formatted(receiver.url()));
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

        await(() -> receiver.requests().size() == 4, "the four events delivered");
        TestReceiver.Request forwarded = receiver.requests().getLast();
        assertThat(forwarded.header("Livehook-Origin")).isEqualTo("livehook");
        assertThat(new String(forwarded.body(), StandardCharsets.UTF_8)).contains("\"id\":\"LH_").contains("\"event\":\"participant_left\"");
        assertThat(receiver.requests().getFirst().header("Livehook-Origin")).isEqualTo("livekit");
    }

    @Test
    void aMissingJoinOpensTheSession_withLiveKitsJoinTime() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Instant joinedAt = Instant.now().minusMillis(1234);
        Participant carol = scene.join(ROOM, "carol", joinedAt); // participant_joined lost

        Reconciler.Summary summary = reconciler(client(Twirp.Encoding.JSON)).reconcile(Optional.of(ROOM));
        awaitProcessed();

        assertThat(summary.corrections()).extracting(Reconciler.Done::kind).containsExactly("session_opened");
        Session opened = session(carol.sid());
        assertThat(opened.open()).isTrue();
        assertThat(opened.startSource()).isEqualTo("reconciled");
        assertThat(opened.joinedAtMs()).isEqualTo(joinedAt.toEpochMilli());
        assertThat(opened.identity()).isEqualTo("carol");
        assertThat(counter("livehook.reconcile.corrections", "kind", "session_opened")).isEqualTo(1);
        HttpResponse<String> presence = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + livehook.port() + "/api/rooms/" + ROOM + "/participants"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(presence.body()).as("the app is told how carol is known")
                .contains("\"identity\":\"carol\"").contains("\"known_from\":\"reconciled\"");
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

        Reconciler.Summary summary = reconciler(client(Twirp.Encoding.PROTOBUF)).reconcile(Optional.empty());
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

    // -- tracks, and undoing a wrong end -----------------------------------------------------------------

    @Test
    void tracksLiveKitListsDifferently_arePublishedAndUnpublished_fromParticipantsTracks() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant alice = scene.join(ROOM, "alice", t);
        SimulatedTrack kept = scene.track(alice, t);
        SimulatedTrack dropped = scene.track(alice, t);
        deliver(scene.joined(alice, t), scene.published(alice, kept, t), scene.published(alice, dropped, t));
        scene.unpublish(alice, dropped, Instant.now()); // lost
        SimulatedTrack unseen = scene.track(alice, Instant.now()); // its track_published lost
        Thread.sleep(GRACE.plusMillis(200));

        Instant before = Instant.now();
        Reconciler.Summary summary = reconciler(client(Twirp.Encoding.PROTOBUF)).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).extracting(Reconciler.Done::kind, Reconciler.Done::trackSid)
                .containsExactlyInAnyOrder(tuple("track_published", unseen.sid()),
                        tuple("track_unpublished", dropped.sid()));
        assertThat(track(kept.sid()).open()).isTrue();
        Track ended = track(dropped.sid());
        assertThat(ended.endSource()).isEqualTo("reconciled");
        assertThat(ended.unpublishedAtMs()).isBetween(before.toEpochMilli() / 1000 * 1000, Instant.now().toEpochMilli());
        Track published = track(unseen.sid());
        assertThat(published.open()).isTrue();
        assertThat(published.publishSource()).isEqualTo("reconciled");
        assertThat(published.participantSid()).isEqualTo(alice.sid());
        assertThat(published.source()).isEqualTo("MICROPHONE");
        assertThat(session(alice.sid()).open()).isTrue();
        assertThat(anomalies()).extracting(Anomaly::kind).containsExactly("reconciled", "reconciled");
        assertThat(counter("livehook.reconcile.corrections", "kind", "track_published")).isEqualTo(1);
        assertThat(counter("livehook.reconcile.corrections", "kind", "track_unpublished")).isEqualTo(1);

        assertThat(reconciler(client(Twirp.Encoding.JSON)).reconcile(Optional.empty()).corrections())
                .as("nothing left to correct").isEmpty();
    }

    @Test
    void aTrackHeardOfWithinTheGrace_isNotUnpublished() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant alice = scene.join(ROOM, "alice", t);
        SimulatedTrack mic = scene.track(alice, t);
        deliver(scene.joined(alice, t), scene.published(alice, mic, t));
        // LiveKit answers as it was before the track was published.
        ParticipantInfo withoutTracks = ParticipantInfo.newBuilder().setSid(alice.sid()).setIdentity("alice")
                .setState(ParticipantInfo.State.ACTIVE).build();

        Reconciler.Summary summary = reconciler(participantsOf(List.of(withoutTracks))).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).isEmpty();
        assertThat(summary.deferred()).isEqualTo(1);
        assertThat(track(mic.sid()).open()).isTrue();
    }

    @Test
    void aParticipantOpenedByReconciliation_comesWithTheTracksLiveKitLists() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant carol = scene.join(ROOM, "carol", t); // participant_joined lost
        SimulatedTrack mic = scene.track(carol, t); // track_published lost

        Reconciler.Summary summary = reconciler(client(Twirp.Encoding.JSON)).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).extracting(Reconciler.Done::kind).containsExactly("session_opened");
        assertThat(track(mic.sid()).open()).isTrue();
        assertThat(track(mic.sid()).participantSid()).isEqualTo(carol.sid());
        assertThat(track(mic.sid()).publishSource()).isEqualTo("reconciled");
    }

    @Test
    void aSessionEndedByReconciliation_isReopenedWhenLiveKitListsItAgain() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        deliver(scene.startRoom(ROOM, t));
        Participant alice = scene.join(ROOM, "alice", t);
        SimulatedTrack mic = scene.track(alice, t);
        deliver(scene.joined(alice, t), scene.published(alice, mic, t));
        Thread.sleep(GRACE.plusMillis(200));
        AtomicInteger looks = new AtomicInteger();
        // LiveKit leaves alice out of two lists in a row although she is still there.
        RoomService blinking = looking(client(Twirp.Encoding.JSON), looks, (look, listed) -> look <= 2 ? List.of() : listed);
        Reconciler reconciler = reconciler(blinking);
        assertThat(reconciler.reconcile(Optional.empty()).corrections()).extracting(Reconciler.Done::kind)
                .containsExactly("session_ended");
        awaitProcessed();
        assertThat(session(alice.sid()).open()).isFalse();
        assertThat(track(mic.sid()).open()).isFalse();

        Reconciler.Summary again = reconciler.reconcile(Optional.empty());
        awaitProcessed();

        assertThat(again.corrections()).extracting(Reconciler.Done::kind).containsExactly("session_reopened");
        Session reopened = session(alice.sid());
        assertThat(reopened.open()).isTrue();
        assertThat(reopened.leftAtMs()).isNull();
        assertThat(reopened.startSource()).isEqualTo("participant_joined");
        assertThat(track(mic.sid()).open()).as("its track, listed, is published again").isTrue();
        assertThat(anomalies()).extracting(Anomaly::kind).contains("reconciled_end_undone");
        assertThat(counter("livehook.reconcile.corrections", "kind", "session_reopened")).isEqualTo(1);
        assertThat(reconciler.reconcile(Optional.empty()).corrections()).isEmpty();

        deliver(scene.leave(alice, Instant.now()));
        assertThat(session(alice.sid()).endSource()).as("LiveKit's own leave ends it for good")
                .isEqualTo("participant_left");
    }

    // -- LiveKit unreachable or refusing -----------------------------------------------------------------

    @Test
    void liveKitDown_correctsNothing_backsOff_andRecovers() throws Exception {
        startLivehook(Map.of(), "");
        Instant t = Instant.now();
        Participant alice = aliceWhoseLeaveWasLost(t);
        Thread.sleep(GRACE.plusMillis(200));
        int port = freePort();
        RoomServiceClient down = new RoomServiceClient("http://127.0.0.1:" + port, KEY, SECRET,
                Twirp.Encoding.JSON, Duration.ofSeconds(2), Clock.systemUTC());

        Reconciler onDemand = reconciler(down);
        assertThatThrownBy(() -> onDemand.reconcile(Optional.empty()))
                .isInstanceOf(RoomServiceException.class).hasMessageContaining("ListRooms")
                .hasMessageNotContaining(SECRET);
        assertThat(session(alice.sid()).open()).as("an error is not an empty list").isTrue();
        assertThat(counter("livehook.reconcile.runs", "outcome", "error")).isEqualTo(1);

        registry = new SimpleMeterRegistry();
        var settings = new Reconciler.Settings(Duration.ofMillis(50), Duration.ZERO, GRACE, SETTLE, 100,
                Backoff.doubling(Duration.ofMillis(500), Duration.ofSeconds(1)));
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
        RoomService real = client(Twirp.Encoding.JSON);
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

        RoomServiceClient wrongSecret = new RoomServiceClient(roomService.url().toString(), KEY, "not-the-secret-at-all",
                Twirp.Encoding.JSON, Duration.ofSeconds(2), Clock.systemUTC());
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

        RoomServiceClient ours = client(Twirp.Encoding.JSON);
        assertThat(ours.listRooms(List.of(ROOM))).extracting(livekit.LivekitModels.Room::getName).containsExactly(ROOM);
        assertThat(ours.listParticipants(ROOM)).extracting(ParticipantInfo::getIdentity).containsExactly("alice");
        assertThat(ours.listParticipants("nobody-here")).as("an unknown room has nobody").isEmpty();
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

        Reconciler.Summary summary = reconciler(client(Twirp.Encoding.JSON)).reconcile(Optional.empty());
        awaitProcessed();

        assertThat(summary.corrections()).isEmpty();
        assertThat(summary.deferred()).isEqualTo(2);
        assertThat(session(erin.sid()).open()).isTrue();
        assertThat(session(frank.sid()).open()).isTrue();

        Thread.sleep(GRACE.plusMillis(200));
        assertThat(reconciler(client(Twirp.Encoding.JSON)).reconcile(Optional.empty()).corrections())
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
        RoomService real = client(Twirp.Encoding.PROTOBUF);
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
        RoomService real = client(Twirp.Encoding.JSON);
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
        LivehookFixture fixture = LivehookFixture.start(dir);
        open.add(fixture);
        livehook = fixture.livehook();

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
        var options = LivehookFixture.in(dir).yaml(yaml).env("LIVEKIT_URL", roomService.url().toString())
                .env("LIVEHOOK_RECONCILE_INTERVAL", "86400").env("LIVEHOOK_RECONCILE_ANOMALY_DELAY", "3600")
                .env("LIVEHOOK_RECONCILE_GRACE", "0")
                .env("LIVEHOOK_RECONCILE_SETTLE_MS", Long.toString(SETTLE.toMillis()));
        if (state == null) {
            state = backend.freshLocation(dir.resolve("data"));
        }
        backend.env(state).forEach(options::env);
        env.forEach(options::env);
        fixture = options.start();
        open.add(fixture);
        livehook = fixture.livehook();
    }

    void roomService() {
        if (roomService == null) {
            roomService = RoomServiceServer.start(scene.truth(), "127.0.0.1", 0, KEY, SECRET);
            open.add(roomService);
        }
    }

    RoomServiceClient client(Twirp.Encoding encoding) {
        return new RoomServiceClient(roomService.url().toString(), KEY, SECRET, encoding, Duration.ofSeconds(5),
                Clock.systemUTC());
    }

    Reconciler reconciler(RoomService service) {
        var settings = new Reconciler.Settings(Duration.ofHours(1), Duration.ofHours(1), GRACE, SETTLE, 50,
                Backoff.doubling(Duration.ofSeconds(1), Duration.ofSeconds(5)));
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

    void deliver(byte[]... bodies) {
        fixture.deliver(bodies);
    }

    void awaitProcessed() {
        fixture.awaitCaughtUp();
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
        return StateSql.sessions(livehook.state()).stream().filter(s -> s.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no session " + sid));
    }

    Track track(String sid) {
        return StateSql.tracks(livehook.state()).stream().filter(t -> t.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no track " + sid));
    }

    Room room(String sid) {
        return StateSql.rooms(livehook.state()).stream().filter(r -> r.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no room " + sid));
    }

    List<Anomaly> anomalies() {
        return StateSql.anomalies(livehook.state());
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

    TestReceiver receiver() throws Exception {
        TestReceiver receiver = TestReceiver.start();
        open.add(receiver);
        return receiver;
    }
}
