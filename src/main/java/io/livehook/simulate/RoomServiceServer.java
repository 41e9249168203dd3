package io.livehook.simulate;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import livekit.LivekitModels.ParticipantInfo;
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
    private static final String PREFIX = "/twirp/livekit.RoomService/";
    private static final String PROTOBUF = "application/protobuf";
    private static final int MAX_BODY = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

    private final GroundTruth truth;
    private final String apiKey;
    private final Algorithm algorithm;
    private final WebServer server;

    private RoomServiceServer(GroundTruth truth, String host, int port, String apiKey, String apiSecret) {
        this.truth = truth;
        this.apiKey = apiKey;
        this.algorithm = Algorithm.HMAC256(apiSecret);
        this.server = WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false)
                .routing(r -> r.post(PREFIX + "{method}", this::handle))
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
        boolean protobuf = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("").startsWith(PROTOBUF);
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            body = in.readNBytes(MAX_BODY);
        } catch (IOException e) {
            error(res, Status.BAD_REQUEST_400, "malformed", "the request body could not be read");
            return;
        }
        DecodedJWT token;
        try {
            token = token(req.headers().first(HeaderNames.AUTHORIZATION).orElse(""));
        } catch (JWTVerificationException | IllegalArgumentException e) {
            error(res, Status.UNAUTHORIZED_401, "unauthenticated", "invalid token: " + e.getMessage());
            return;
        }
        Map<String, Object> video = video(token);
        try {
            switch (method) {
                case "ListRooms" -> {
                    if (!Boolean.TRUE.equals(video.get("roomList"))) {
                        error(res, Status.UNAUTHORIZED_401, "unauthenticated", "permissions denied: roomList required");
                        return;
                    }
                    ListRoomsRequest.Builder request = ListRoomsRequest.newBuilder();
                    parse(body, protobuf, request);
                    answer(res, protobuf, listRooms(Set.copyOf(request.getNamesList())));
                }
                case "ListParticipants" -> {
                    ListParticipantsRequest.Builder request = ListParticipantsRequest.newBuilder();
                    parse(body, protobuf, request);
                    if (!Boolean.TRUE.equals(video.get("roomAdmin")) || !request.getRoom().equals(video.get("room"))) {
                        error(res, Status.UNAUTHORIZED_401, "unauthenticated",
                                "permissions denied: roomAdmin for room " + request.getRoom() + " required");
                        return;
                    }
                    answer(res, protobuf, listParticipants(request.getRoom()));
                }
                default -> error(res, Status.NOT_FOUND_404, "bad_route", "no handler for " + method);
            }
        } catch (InvalidProtocolBufferException e) {
            error(res, Status.BAD_REQUEST_400, "malformed", "the request body is not a " + method + " request");
        }
    }

    private ListRoomsResponse listRooms(Set<String> names) {
        ListRoomsResponse.Builder response = ListRoomsResponse.newBuilder();
        for (Room room : truth.openRooms()) {
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
            response.addParticipants(ParticipantInfo.newBuilder()
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

    private DecodedJWT token(String authorization) {
        if (!authorization.startsWith("Bearer ")) {
            throw new IllegalArgumentException("expected Authorization: Bearer <token>");
        }
        DecodedJWT token = JWT.decode(authorization.substring("Bearer ".length()).strip());
        if (!apiKey.equals(token.getIssuer())) {
            throw new IllegalArgumentException("unknown API key");
        }
        if (token.getExpiresAtAsInstant() == null) {
            throw new IllegalArgumentException("exp is required");
        }
        return JWT.require(algorithm).withIssuer(apiKey).build().verify(token);
    }

    private static Map<String, Object> video(DecodedJWT token) {
        Claim video = token.getClaim("video");
        Map<String, Object> grants = video.isMissing() || video.isNull() ? null : video.asMap();
        return grants == null ? Map.of() : grants;
    }

    private static void parse(byte[] body, boolean protobuf, Message.Builder into) throws InvalidProtocolBufferException {
        if (protobuf) {
            into.mergeFrom(body);
        } else if (body.length > 0) {
            PARSER.merge(new String(body, StandardCharsets.UTF_8), into);
        }
    }

    private static void answer(ServerResponse res, boolean protobuf, Message message) {
        if (protobuf) {
            res.header(HeaderNames.CONTENT_TYPE, PROTOBUF).send(message.toByteArray());
            return;
        }
        try {
            res.header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send(PRINTER.print(message).getBytes(StandardCharsets.UTF_8));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Twirp's error body; LiveKit answers permission failures as {@code unauthenticated} (401). */
    private static void error(ServerResponse res, Status status, String code, String message) {
        try {
            res.status(status).header(HeaderNames.CONTENT_TYPE, "application/json")
                    .send(JSON.writeValueAsBytes(Map.of("code", code, "msg", message, "meta", Map.of())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
