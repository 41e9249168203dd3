package io.livehook.livekit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitRoom.ListParticipantsRequest;
import livekit.LivekitRoom.ListParticipantsResponse;
import livekit.LivekitRoom.ListRoomsRequest;
import livekit.LivekitRoom.ListRoomsResponse;

/**
 * LiveKit's RoomService over {@link Twirp}, with the JDK's HTTP client and the SDK's protobuf types. Each call
 * carries a fresh {@code Bearer} {@link AccessToken} with only the grant that call needs.
 *
 * <p>The SDK's own {@code RoomServiceClient} does the same over Retrofit, OkHttp and Kotlin's standard
 * library, about 3 MB of jar for two calls; this one needs nothing beyond the JDK and the protobuf types.
 */
public final class RoomServiceClient implements RoomService {
    private final URI base;
    private final AccessToken tokens;
    private final Twirp.Encoding encoding;
    private final Duration timeout;
    private final HttpClient http;

    public RoomServiceClient(String url, String apiKey, String apiSecret, Twirp.Encoding encoding, Duration timeout,
            Clock clock) {
        this.base = httpBase(url);
        this.tokens = new AccessToken(apiKey, apiSecret, clock);
        this.encoding = encoding;
        this.timeout = timeout;
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
        call("ListRooms", ListRoomsRequest.newBuilder().addAllNames(names).build(), VideoGrant.listRooms(), response);
        return response.getRoomsList();
    }

    @Override
    public List<ParticipantInfo> listParticipants(String room) throws RoomServiceException {
        ListParticipantsResponse.Builder response = ListParticipantsResponse.newBuilder();
        call("ListParticipants", ListParticipantsRequest.newBuilder().setRoom(room).build(), VideoGrant.adminOf(room),
                response);
        return response.getParticipantsList();
    }

    private void call(String method, Message request, VideoGrant grant, Message.Builder response)
            throws RoomServiceException {
        HttpResponse<byte[]> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(base.resolve(Twirp.ROOM_SERVICE + method))
                            .timeout(timeout)
                            .header("Content-Type", encoding.contentType)
                            .header("Authorization", "Bearer " + tokens.forGrant(grant))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(encoding.request(request)))
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
                    + Twirp.describeError(answer.body()));
        }
        try {
            Twirp.Encoding.of(answer.headers().firstValue("Content-Type").orElse("")).read(answer.body(), response);
        } catch (InvalidProtocolBufferException e) {
            throw new RoomServiceException(method + ": LiveKit's answer is not a " + method + " response: "
                    + e.getMessage(), e);
        }
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
        return "RoomServiceClient[" + base + ", key " + tokens.apiKey() + ", " + encoding + "]";
    }
}
