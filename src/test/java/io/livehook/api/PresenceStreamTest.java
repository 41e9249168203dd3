package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livehook.simulate.LiveKitScene;
import io.livehook.simulate.Participant;
import io.livehook.simulate.SimulatedTrack;
import io.livehook.state.StateBackend;
import io.livehook.state.StateLocation;
import io.livehook.testing.LivehookFixture;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Who is in a room, and the stream of state changes, over real HTTP on loopback from a real livehook on each
 * database the state can live in: a client that disconnects mid-stream and resumes with Last-Event-ID gets every
 * change, once, in order.
 */
@ParameterizedClass
@EnumSource(StateBackend.class)
class PresenceStreamTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Parameter
    StateBackend backend;
    @TempDir
    Path dir;

    final LiveKitScene scene = new LiveKitScene();
    final HttpClient http = HttpClient.newHttpClient();
    LivehookFixture lh;

    @BeforeEach
    void start() {
        StateLocation state = backend.freshLocation(dir.resolve("data"));
        // Connections idle this long are closed; a stream is never idle, however quiet.
        var options = LivehookFixture.in(dir).env("LIVEHOOK_READ_TIMEOUT_SECONDS", "1");
        backend.env(state).forEach(options::env);
        lh = options.start();
    }

    @AfterEach
    void stop() {
        lh.close();
    }

    /** One server-sent event: its id, its type and its data. */
    record Frame(long id, String event, JsonNode data) {}

    @Test
    void aClientThatDisconnectsMidStream_resumesWithLastEventId_andGetsEveryChangeInOrder() throws Exception {
        Instant t = Instant.now();
        Stream first = open("/api/stream?room=standup", null);
        Thread.sleep(1500); // past the read timeout, with nothing to send yet
        deliver(scene.startRoom("standup", t), scene.startRoom("other", t));
        Participant alice = scene.join("standup", "alice", t);
        Participant bob = scene.join("standup", "bob", t);
        Participant carol = scene.join("other", "carol", t);
        SimulatedTrack mic = scene.track(alice, t);
        deliver(scene.joined(alice, t), scene.joined(carol, t), scene.joined(bob, t), scene.published(alice, mic, t));

        List<Frame> got = new ArrayList<>(first.read(2));
        first.close(); // gone mid-stream: room_started and alice seen, bob and the microphone not yet
        deliver(scene.unpublish(alice, mic, t.plusSeconds(1)), scene.leave(alice, t.plusSeconds(2)),
                scene.leave(bob, t.plusSeconds(3)), scene.leave(carol, t.plusSeconds(3)),
                scene.finish("standup", t.plusSeconds(4)));
        Stream resumed = open("/api/stream?room=standup", Long.toString(got.getLast().id()));
        got.addAll(resumed.read(6));
        resumed.close();

        assertThat(got).extracting(f -> f.event() + " " + f.data().path("identity").asText(""))
                .containsExactly("room_started ", "session_opened alice", "session_opened bob",
                        "track_published alice", "track_unpublished alice", "session_ended alice",
                        "session_ended bob", "room_finished ");
        assertThat(got).extracting(Frame::id).isSorted().doesNotHaveDuplicates();
        SchemaCheck check = schemas();
        assertThat(got).allSatisfy(f -> {
            assertThat(f.data().get("id").asLong()).isEqualTo(f.id());
            assertThat(f.data().get("kind").asText()).isEqualTo(f.event());
            assertThat(f.data().get("room").asText()).isEqualTo("standup");
            assertThat(f.data().get("event_id").asText()).startsWith("EV_");
            assertThat(check.problems(f.data(), description.at("/components/schemas/StateChange"))).isEmpty();
        });
        assertThat(got.get(1).data().get("source").asText()).isEqualTo("participant_joined");
        assertThat(got.get(3).data().get("track_sid").asText()).isEqualTo(mic.sid());
        assertThat(got.get(5).data().get("source").asText()).isEqualTo("participant_left");

        Stream everything = open("/api/stream", "0");
        List<Frame> all = everything.read(11);
        everything.close();
        assertThat(all).extracting(Frame::id).as("every room, from the start, ids without a hole")
                .isEqualTo(java.util.stream.LongStream.rangeClosed(all.getFirst().id(), all.getFirst().id() + 10)
                        .boxed().toList());
        assertThat(all).filteredOn(f -> f.data().get("room").asText().equals("other")).extracting(Frame::event)
                .containsExactly("room_started", "session_opened", "session_ended");
    }

    @Test
    void theClientAndTheCliFollowTheStream() throws Exception {
        Instant t = Instant.now();
        deliver(scene.startRoom("standup", t), scene.startRoom("other", t));
        Participant alice = scene.join("standup", "alice", t);
        deliver(scene.joined(alice, t), scene.leave(alice, t.plusSeconds(1)));

        List<String> seen = new ArrayList<>();
        CompletableFuture.runAsync(() -> {
            try {
                lh.client().stream(java.util.Optional.of("standup"), java.util.OptionalLong.of(0), c -> {
                    seen.add(c.id() + " " + c.kind() + " " + c.data().path("identity").asText(""));
                    return seen.size() < 3;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(seen).extracting(s -> s.substring(s.indexOf(' ') + 1))
                .containsExactly("room_started ", "session_opened alice", "session_ended alice");

        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = CompletableFuture.supplyAsync(() -> io.livehook.cli.Main.commandLine()
                .setOut(new java.io.PrintWriter(out)).setErr(new java.io.PrintWriter(err))
                .execute("stream", "--api-url", lh.base(), "--api-token", LivehookFixture.TOKEN, "--room", "standup",
                        "--after", "0", "--count", "3")).get(30, TimeUnit.SECONDS);
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().lines().toList()).hasSize(3).satisfiesExactly(
                l -> assertThat(l).contains("room_started").contains("standup"),
                l -> assertThat(l).contains("session_opened").contains("alice").contains("participant_joined"),
                l -> assertThat(l).contains("session_ended").contains("alice").contains("participant_left"));
    }

    @Test
    void whoIsInTheRoom_andHowEachIsKnown() throws Exception {
        Instant t = Instant.now();
        deliver(scene.startRoom("standup", t));
        Participant alice = scene.join("standup", "alice", t);
        Participant bob = scene.join("standup", "bob", t); // participant_joined lost
        Participant dan = scene.join("standup", "dan", t);
        SimulatedTrack mic = scene.track(bob, t);
        deliver(scene.joined(alice, t), scene.published(bob, mic, t), scene.joined(dan, t),
                scene.leave(dan, t.plusSeconds(1)));

        JsonNode presence = lh.json("/api/rooms/standup/participants");

        assertThat(schemas().problems(presence, description.at("/components/schemas/Presence"))).isEmpty();
        assertThat(presence.at("/room/name").asText()).isEqualTo("standup");
        assertThat(presence.at("/room/status").asText()).isEqualTo("active");
        assertThat(presence.get("participants")).extracting(p -> p.get("identity").asText() + " "
                + p.get("known_from").asText() + " " + p.get("tracks").size())
                .containsExactlyInAnyOrder("alice webhook 0", "bob inferred 1");
        JsonNode bobs = presence.get("participants").findParents("identity").stream()
                .filter(p -> p.get("identity").asText().equals("bob")).findFirst().orElseThrow();
        assertThat(bobs.at("/tracks/0/sid").asText()).isEqualTo(mic.sid());
        assertThat(bobs.at("/tracks/0/known_from").asText()).isEqualTo("webhook");
        assertThat(lh.get("/api/rooms/nowhere/participants").statusCode()).isEqualTo(404);
    }

    @Test
    void theStreamIsBehindTheApiToken_andRefusesABadLastEventId() throws Exception {
        HttpResponse<String> anonymous = http.send(request("/api/stream", null).header("Authorization", "Bearer x")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> bad = http.send(request("/api/stream", "soon").header("Authorization",
                "Bearer " + LivehookFixture.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("Last-Event-ID");
    }

    JsonNode description;

    /** The OpenAPI description's schemas, which the answers must match. */
    SchemaCheck schemas() throws Exception {
        if (description == null) {
            try (InputStream in = OpenApiDescription.class.getResourceAsStream(OpenApiDescription.RESOURCE)) {
                description = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(in);
            }
        }
        return new SchemaCheck(description);
    }

    HttpRequest.Builder request(String path, String lastEventId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(lh.base() + path)).timeout(Duration.ofSeconds(30));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return request;
    }

    Stream open(String path, String lastEventId) throws Exception {
        HttpResponse<InputStream> response = http.send(request(path, lastEventId)
                .header("Authorization", "Bearer " + LivehookFixture.TOKEN).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("text/event-stream");
        Stream stream = new Stream(response.body());
        stream.awaitHello();
        return stream;
    }

    /** A client reading the event stream; every read is bounded in time. */
    static final class Stream implements AutoCloseable {
        private final InputStream body;
        private final BufferedReader lines;

        Stream(InputStream body) {
            this.body = body;
            this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        }

        /** The comment the server sends first: from here on, the stream is listening. */
        void awaitHello() throws Exception {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return lines.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(20, TimeUnit.SECONDS);
            assertThat(line).startsWith(": livehook state changes after");
        }

        List<Frame> read(int count) throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                List<Frame> frames = new ArrayList<>();
                try {
                    long id = -1;
                    String event = null;
                    String line;
                    while (frames.size() < count && (line = lines.readLine()) != null) {
                        if (line.startsWith("id: ")) {
                            id = Long.parseLong(line.substring(4));
                        } else if (line.startsWith("event: ")) {
                            event = line.substring(7);
                        } else if (line.startsWith("data: ") && event != null) {
                            frames.add(new Frame(id, event, JSON.readTree(line.substring(6))));
                            event = null;
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return frames;
            }).get(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }

    void deliver(byte[]... bodies) {
        for (byte[] body : bodies) {
            assertThat(lh.webhook(body)).isEqualTo(200);
        }
        lh.awaitCaughtUp();
    }
}
