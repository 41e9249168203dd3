package io.livehook.simulate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.livekit.AccessToken;
import io.livehook.livekit.Twirp;
import io.livehook.livekit.VideoGrant;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.Set;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;
import livekit.LivekitRoom.ListParticipantsRequest;
import livekit.LivekitRoom.ListParticipantsResponse;
import livekit.LivekitRoom.ListRoomsRequest;
import livekit.LivekitRoom.ListRoomsResponse;

/**
 * LiveKit's RoomService as the simulated LiveKit would answer it, from its ground truth as it is at the moment
 * of the call: {@code ListRooms} and {@code ListParticipants} over Twirp, in JSON or protobuf as asked. It
 * checks what LiveKit checks: a {@code Bearer} HS256 token signed with the simulator's secret for its {@code iss},
 * an {@code exp}, and the grants in {@code video} ({@code roomList} to list rooms; {@code roomAdmin} and
 * {@code room} = that room to list its participants), answering Twirp's {@code unauthenticated} otherwise.
 * JSON answers use snake_case and include zero values, as LiveKit's do.
 */
public final class RoomServiceServer implements AutoCloseable {
    private static final int MAX_BODY = 1 << 20;

    private final GroundTruth truth;
    private final AccessToken tokens;
    private final WebServer server;

    private RoomServiceServer(GroundTruth truth, String host, int port, String apiKey, String apiSecret) {
        this.truth = truth;
        this.tokens = new AccessToken(apiKey, apiSecret, Clock.systemUTC());
        this.server = WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false)
                .routing(r -> r.post(Twirp.ROOM_SERVICE + "{method}", this::handle))
                .build();
    }

    /** Serves on {@code host:port} (0: any free port) until closed. */
    public static RoomServiceServer start(GroundTruth truth, String host, int port, String apiKey, String apiSecret) {
        RoomServiceServer service = new RoomServiceServer(truth, host, port, apiKey, apiSecret);
        service.server.start();
        if (!service.server.isRunning()) {
            throw new IllegalStateException("the room service cannot listen on " + host + ":" + port);
        }
        return service;
    }

    public int port() {
        return server.port();
    }

    /** What to set {@code LIVEKIT_URL} to. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port());
    }

    private void handle(ServerRequest req, ServerResponse res) {
        String method = req.path().pathParameters().get("method");
        Twirp.Encoding encoding = Twirp.Encoding.of(req.headers().first(HeaderNames.CONTENT_TYPE).orElse(""));
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(MAX_BODY);
        } catch (IOException e) {
            error(res, Status.BAD_REQUEST_400, "malformed", "the request body could not be read");
            return;
        }
        VideoGrant grant;
        try {
            grant = tokens.verifyBearer(req.headers().first(HeaderNames.AUTHORIZATION).orElse(""));
        } catch (IllegalArgumentException e) {
            error(res, Status.UNAUTHORIZED_401, "unauthenticated", "invalid token: " + e.getMessage());
            return;
        }
        try {
            switch (method) {
                case "ListRooms" -> {
                    if (!grant.roomList()) {
                        error(res, Status.UNAUTHORIZED_401, "unauthenticated", "permissions denied: roomList required");
                        return;
                    }
                    ListRoomsRequest.Builder request = ListRoomsRequest.newBuilder();
                    encoding.read(body, request);
                    answer(res, encoding, listRooms(Set.copyOf(request.getNamesList())));
                }
                case "ListParticipants" -> {
                    ListParticipantsRequest.Builder request = ListParticipantsRequest.newBuilder();
                    encoding.read(body, request);
                    if (!grant.roomAdmin() || !request.getRoom().equals(grant.room())) {
                        error(res, Status.UNAUTHORIZED_401, "unauthenticated",
                                "permissions denied: roomAdmin for room " + request.getRoom() + " required");
                        return;
                    }
                    answer(res, encoding, listParticipants(request.getRoom()));
                }
                default -> error(res, Status.NOT_FOUND_404, "bad_route", "no handler for " + method);
            }
        } catch (InvalidProtocolBufferException e) {
            error(res, Status.BAD_REQUEST_400, "malformed", "the request body is not a " + method + " request");
        }
    }

    private ListRoomsResponse listRooms(Set<String> names) {
        ListRoomsResponse.Builder response = ListRoomsResponse.newBuilder();
        for (SimulatedRoom room : truth.openRooms()) {
            if (names.isEmpty() || names.contains(room.name())) {
                response.addRooms(livekit.LivekitModels.Room.newBuilder()
                        .setSid(room.sid())
                        .setName(room.name())
                        .setEmptyTimeout(room.emptyTimeout())
                        .setDepartureTimeout(room.departureTimeout())
                        .setMaxParticipants(room.maxParticipants())
                        .setCreationTime(room.createdAt().getEpochSecond())
                        .setCreationTimeMs(room.createdAt().toEpochMilli())
                        .setNumParticipants(truth.connected(room.name()).size()));
            }
        }
        return response.build();
    }

    private ListParticipantsResponse listParticipants(String room) {
        ListParticipantsResponse.Builder response = ListParticipantsResponse.newBuilder();
        for (Participant p : truth.connected(room)) {
            ParticipantInfo.Builder info = ParticipantInfo.newBuilder();
            for (SimulatedTrack t : truth.published(p.sid())) {
                info.addTracks(TrackInfo.newBuilder()
                        .setSid(t.sid())
                        .setType(TrackType.valueOf(t.source().type()))
                        .setSource(TrackSource.valueOf(t.source().name()))
                        .setName(t.name())
                        .setMimeType(t.mimeType())
                        .setWidth(t.width())
                        .setHeight(t.height())
                        .setSimulcast(t.simulcast()));
            }
            response.addParticipants(info
                    .setSid(p.sid())
                    .setIdentity(p.identity())
                    .setName(p.name())
                    .setMetadata(p.metadata())
                    .setState(ParticipantInfo.State.ACTIVE)
                    .setKind(ParticipantInfo.Kind.valueOf(p.kind()))
                    .setJoinedAt(p.joinedAt().getEpochSecond())
                    .setJoinedAtMs(p.joinedAt().toEpochMilli()));
        }
        return response.build();
    }

    private static void answer(ServerResponse res, Twirp.Encoding encoding, Message message) {
        res.header(HeaderNames.CONTENT_TYPE, encoding.contentType).send(encoding.answer(message));
    }

    /** LiveKit answers permission failures as {@code unauthenticated} (401). */
    private static void error(ServerResponse res, Status status, String code, String message) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, Twirp.Encoding.JSON.contentType)
                .send(Twirp.error(code, message));
    }

    @Override
    public void close() {
        server.stop();
    }
}
