package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.state.Session;
import io.livehook.state.StateQueries;
import io.livehook.state.Track;
import java.util.List;
import java.util.Optional;

/**
 * What an app needs to show who is in a room: {@code GET /api/rooms/{room}/participants} (who is in it now, and
 * how livehook knows each) and {@code GET /api/stream[?room=]}, the changes as Server-Sent Events
 * ({@link ChangeStream}).
 */
public final class PresenceApi {
    private static final HeaderName LAST_EVENT_ID = HeaderNames.create("Last-Event-ID");
    private final StateQueries queries;
    private final ChangeStream stream;

    public PresenceApi(StateQueries queries, ChangeStream stream) {
        this.queries = queries;
        this.stream = stream;
    }

    List<ApiRoute> routes() {
        return List.of(ApiRoute.get("/rooms/{room}/participants", this::participants),
                new ApiRoute(Method.GET, "/stream", this::stream));
    }

    private JsonNode participants(ServerRequest req) {
        new QueryParameters(req.query());
        String room = req.path().pathParameters().get("room");
        StateQueries.Presence presence = queries.presence(room)
                .orElseThrow(() -> ApiException.notFound("no room " + room));
        ObjectNode node = ApiJson.object();
        node.putObject("room").put("sid", presence.room().sid()).put("name", presence.room().name())
                .put("status", presence.room().status());
        ArrayNode participants = node.putArray("participants");
        for (Session s : presence.sessions()) {
            ObjectNode p = participants.addObject().put("sid", s.sid()).put("identity", s.identity())
                    .put("name", s.name()).put("kind", s.kind()).put("joined_at_ms", s.joinedAtMs())
                    .put("known_from", knownFrom(s.startSource()));
            ArrayNode tracks = p.putArray("tracks");
            for (Track t : presence.tracks()) {
                if (t.participantSid().equals(s.sid())) {
                    tracks.addObject().put("sid", t.sid()).put("type", t.type()).put("source", t.source())
                            .put("published_at_ms", t.publishedAtMs()).put("known_from", knownFrom(t.publishSource()));
                }
            }
        }
        return node;
    }

    /**
     * How livehook knows something is there: {@code webhook} (LiveKit's own event said so), {@code reconciled}
     * (LiveKit's RoomService listed it) or {@code inferred} (a later event implied it).
     */
    static String knownFrom(String startSource) {
        return switch (startSource) {
            case "reconciled", "inferred" -> startSource;
            default -> "webhook";
        };
    }

    private void stream(ServerRequest req, ServerResponse res) {
        QueryParameters params = new QueryParameters(req.query(), "room", "last_event_id");
        Optional<String> room = params.text("room");
        Optional<String> lastId = req.headers().first(LAST_EVENT_ID).or(() -> params.text("last_event_id"));
        Long after = null;
        if (lastId.isPresent()) {
            try {
                after = Long.parseLong(lastId.get().strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Last-Event-ID must be a change id, a whole number");
            }
            if (after < 0) {
                throw ApiException.badRequest("Last-Event-ID must be a change id, a whole number");
            }
        }
        stream.serve(req.remotePeer().address(), res, room, Optional.ofNullable(after));
    }
}
