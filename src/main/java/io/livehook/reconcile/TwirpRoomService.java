package io.livehook.reconcile;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitRoom.ListParticipantsRequest;
import livekit.LivekitRoom.ListParticipantsResponse;
import livekit.LivekitRoom.ListRoomsRequest;
import livekit.LivekitRoom.ListRoomsResponse;

/**
 * LiveKit's RoomService over Twirp ({@code POST <url>/twirp/livekit.RoomService/<Method>}), with the JDK's
 * HTTP client and the SDK's protobuf types. Each call carries a fresh {@code Bearer} HS256 token with
 * {@code iss} = the API key, a short {@code exp}, and only the grant that call needs: {@code roomList} to list
 * rooms, {@code roomAdmin} for that one room to list its participants.
 */
public final class TwirpRoomService implements RoomService {
    /** JSON is LiveKit's documented default; protobuf is what its SDKs send. Both answer the same. */
    public enum Encoding {
        JSON("application/json"),
        PROTOBUF("application/protobuf");

        final String contentType;

        Encoding(String contentType) {
            this.contentType = contentType;
        }
    }

    private static final Duration TOKEN_VALIDITY = Duration.ofMinutes(5);
    private static final ObjectMapper ERRORS = new ObjectMapper();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private final URI base;
    private final String apiKey;
    private final Algorithm algorithm;
    private final Encoding encoding;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient http;

    public TwirpRoomService(String url, String apiKey, String apiSecret, Encoding encoding, Duration timeout,
            Clock clock) {
        this.base = httpBase(url);
        this.apiKey = apiKey;
        this.algorithm = Algorithm.HMAC256(apiSecret);
        this.encoding = encoding;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * LIVEKIT_URL is often the WebSocket address clients connect to ({@code wss://project.livekit.cloud});
     * the API is served on the same host over HTTP(S).
     */
    static URI httpBase(String url) {
        String text = url.strip().replaceAll("/+$", "");
        if (text.startsWith("wss://")) {
            text = "https://" + text.substring("wss://".length());
        } else if (text.startsWith("ws://")) {
            text = "http://" + text.substring("ws://".length());
        }
        URI uri;
        try {
            uri = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("LIVEKIT_URL is not a URL: " + url);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("LIVEKIT_URL must be an http(s) or ws(s) URL, not " + url);
        }
        return uri;
    }

    public URI base() {
        return base;
    }

    @Override
    public List<Room> listRooms(List<String> names) throws RoomServiceException {
        ListRoomsResponse.Builder response = ListRoomsResponse.newBuilder();
        call("ListRooms", ListRoomsRequest.newBuilder().addAllNames(names).build(), Map.of("roomList", true),
                response);
        return response.getRoomsList();
    }

    @Override
    public List<ParticipantInfo> listParticipants(String room) throws RoomServiceException {
        ListParticipantsResponse.Builder response = ListParticipantsResponse.newBuilder();
        call("ListParticipants", ListParticipantsRequest.newBuilder().setRoom(room).build(),
                Map.of("roomAdmin", true, "room", room), response);
        return response.getParticipantsList();
    }

    private void call(String method, Message request, Map<String, ?> grant, Message.Builder response)
            throws RoomServiceException {
        HttpResponse<byte[]> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(base.resolve("/twirp/livekit.RoomService/" + method))
                            .timeout(timeout)
                            .header("Content-Type", encoding.contentType)
                            .header("Authorization", "Bearer " + token(grant))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(encode(request)))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new RoomServiceException(method + ": LiveKit at " + base + " did not answer: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RoomServiceException(method + ": interrupted");
        }
        if (answer.statusCode() / 100 != 2) {
            throw new RoomServiceException(method + ": LiveKit answered HTTP " + answer.statusCode()
                    + twirpError(answer.body()));
        }
        try {
            boolean protobuf = answer.headers().firstValue("Content-Type").orElse("")
                    .startsWith(Encoding.PROTOBUF.contentType);
            if (protobuf) {
                response.mergeFrom(answer.body());
            } else {
                PARSER.merge(new String(answer.body(), StandardCharsets.UTF_8), response);
            }
        } catch (InvalidProtocolBufferException e) {
            throw new RoomServiceException(method + ": LiveKit's answer is not a " + method + " response: "
                    + e.getMessage(), e);
        }
    }

    private byte[] encode(Message request) {
        if (encoding == Encoding.PROTOBUF) {
            return request.toByteArray();
        }
        try {
            return PRINTER.print(request).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private String token(Map<String, ?> grant) {
        Instant now = clock.instant();
        return JWT.create()
                .withIssuer(apiKey)
                .withNotBefore(Date.from(now))
                .withExpiresAt(Date.from(now.plus(TOKEN_VALIDITY)))
                .withClaim("video", grant)
                .sign(algorithm);
    }

    /** Twirp's {@code {code, msg}}, when the body is one. */
    private static String twirpError(byte[] body) {
        try {
            JsonNode error = ERRORS.readTree(body);
            if (error != null && error.hasNonNull("code")) {
                return " " + error.get("code").asText() + (error.hasNonNull("msg") ? ": " + error.get("msg").asText() : "");
            }
        } catch (IOException notJson) {
            // not Twirp's error shape: the status says enough
        }
        return "";
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        if (message == null && e.getCause() != null) {
            message = e.getCause().getMessage();
        }
        return e.getClass().getSimpleName() + (message == null ? "" : " " + message);
    }

    @Override
    public String toString() {
        return "TwirpRoomService[" + base + ", key " + apiKey + ", " + encoding + "]";
    }
}
