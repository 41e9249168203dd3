package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.livehook.deliver.DeliveryService;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryFilter;
import io.livehook.state.DeliveryStore.DeliveryKey;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/deliveries}: where deliveries to the destinations stand, their dead letters and replays.
 * <ul>
 *   <li>{@code GET /deliveries} lists deliveries of every status unless {@code status} names one (pending,
 *       delivered, dead), in the order livehook received the events; filters {@code destination},
 *       {@code room}, {@code type}, {@code since}, {@code until}; paged like every list with {@code limit},
 *       {@code cursor} and {@code next_cursor};</li>
 *   <li>{@code GET /deliveries/summary}: per destination, deliveries by status, requests in flight, the
 *       oldest waiting, the circuit, the newest error;</li>
 *   <li>{@code GET /deliveries/{destination}/{eventId}} shows the event's deliveries to that destination with
 *       every attempt;</li>
 *   <li>{@code POST /deliveries/retry} puts dead deliveries back to pending, by {@code event_ids} or by filter;</li>
 *   <li>{@code POST /deliveries/replay} sends a time range of events to a destination again.</li>
 * </ul>
 * Times are ISO-8601 instants or Unix milliseconds and bound when livehook received the event.
 */
public final class DeliveriesApi {
    private static final Logger log = LoggerFactory.getLogger(DeliveriesApi.class);
    private static final Set<String> FILTER_FIELDS = Set.of("event_ids", "destination", "room", "type", "since",
            "until");
    /** {@code all} is what no status means; it stays understood for callers that name it. */
    private static final List<String> STATUSES = List.of(Delivery.PENDING, Delivery.DELIVERED, Delivery.DEAD, "all");

    private final DeliveryService deliveries;
    private final Clock clock;

    public DeliveriesApi(DeliveryService deliveries, Clock clock) {
        this.deliveries = deliveries;
        this.clock = clock;
    }

    List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/deliveries", this::list),
                ApiRoute.get("/deliveries/summary", this::summary),
                ApiRoute.post("/deliveries/retry", this::retry),
                ApiRoute.post("/deliveries/replay", this::replay),
                ApiRoute.get("/deliveries/{destination}/{eventId}", this::show));
    }

    private JsonNode list(ServerRequest req) {
        QueryParameters params = new QueryParameters(req.query(), "status", "destination", "room", "type", "since",
                "until", "limit", "cursor");
        Optional<String> status = params.oneOf("status", STATUSES).filter(s -> !s.equals("all"));
        DeliveryFilter filter = new DeliveryFilter(params.text("destination"), params.text("room"),
                params.text("type"), params.text("since").map(t -> time("since", t)),
                params.text("until").map(t -> time("until", t)), List.of());
        DeliveryKey after = params.text("cursor").map(c -> {
            JsonNode[] key = Cursor.decode(c, "deliveries", "lilsi");
            return new DeliveryKey(key[0].longValue(), key[1].intValue(), key[2].longValue(), key[3].textValue(),
                    key[4].intValue());
        }).orElse(null);
        return ApiJson.page("deliveries", deliveries.store().page(status, filter, after, params.limit()),
                ApiJson::delivery, last -> Cursor.encode("deliveries", last.receivedAtMs(), last.logPartition(),
                        last.logOffset(), last.destination(), last.replay()));
    }

    private JsonNode summary(ServerRequest req) {
        new QueryParameters(req.query());
        long now = clock.millis();
        ObjectNode node = ApiJson.object();
        ArrayNode destinations = node.putArray("destinations");
        deliveries.summary().forEach(s -> destinations.add(ApiJson.destination(s, now)));
        return node;
    }

    private JsonNode show(ServerRequest req) {
        new QueryParameters(req.query());
        var params = req.path().pathParameters();
        String destination = params.get("destination");
        String eventId = params.get("eventId");
        List<Delivery> found = deliveries.store().deliveries(destination, eventId);
        if (found.isEmpty()) {
            throw ApiException.notFound("no delivery of event " + eventId + " to destination " + destination);
        }
        ObjectNode node = ApiJson.object().put("destination", destination).put("event_id", eventId);
        ArrayNode shown = node.putArray("deliveries");
        for (Delivery d : found) {
            ObjectNode entry = ApiJson.delivery(d);
            ArrayNode history = entry.putArray("attempt_history");
            deliveries.store().attempts(d).forEach(a -> history.add(ApiJson.deliveryAttempt(a)));
            shown.add(entry);
        }
        return node;
    }

    private JsonNode retry(ServerRequest req) throws SQLException {
        new QueryParameters(req.query());
        JsonNode body = RequestBody.object(req, FILTER_FIELDS);
        DeliveryFilter filter = filter(body);
        if (filter.isEmpty()) {
            throw ApiException.badRequest("say which dead deliveries to retry: event_ids, or a filter (destination, room, "
                    + "type, since, until)");
        }
        filter.destination().ifPresent(this::requireDestination);
        int retried = deliveries.retry(filter);
        log.info("operator retry of dead deliveries ({}): {} back to pending", filter, retried);
        return ApiJson.object().put("retried", retried);
    }

    private JsonNode replay(ServerRequest req) throws SQLException {
        new QueryParameters(req.query());
        JsonNode body = RequestBody.object(req, FILTER_FIELDS);
        DeliveryFilter filter = filter(body);
        String destination = filter.destination().orElseThrow(
                () -> ApiException.badRequest("destination is required: replay sends to one destination"));
        requireDestination(destination);
        if (filter.sinceMs().isEmpty() && filter.eventIds().isEmpty()) {
            throw ApiException.badRequest("since (or event_ids) is required: replay sends a time range again");
        }
        int created = deliveries.replay(destination, filter);
        log.info("operator replay to {} ({}): {} deliveries queued", destination, filter, created);
        return ApiJson.object().put("created", created);
    }

    private void requireDestination(String name) {
        if (deliveries.destination(name).isEmpty()) {
            throw ApiException.badRequest("no destination named \"" + name + "\"; configured: "
                    + String.join(", ", deliveries.destinationNames()));
        }
    }

    private static DeliveryFilter filter(JsonNode body) {
        List<String> ids = new ArrayList<>();
        JsonNode idNode = body.get("event_ids");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isArray()) {
                throw ApiException.badRequest("event_ids must be a list of event ids");
            }
            idNode.forEach(id -> {
                if (!id.isTextual() || id.asText().isBlank()) {
                    throw ApiException.badRequest("event_ids must hold event id strings");
                }
                ids.add(id.asText());
            });
        }
        return new DeliveryFilter(text(body, "destination"), text(body, "room"), text(body, "type"),
                text(body, "since").map(t -> time("since", t)), text(body, "until").map(t -> time("until", t)), ids);
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isValueNode() || node.asText().isBlank()) {
            throw ApiException.badRequest(field + " must be a non-empty string");
        }
        return Optional.of(node.asText());
    }

    private static long time(String name, String text) {
        String t = text.strip();
        try {
            if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(t);
            }
            return Instant.parse(t).toEpochMilli();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 instant (2026-01-31T12:00:00Z) or Unix milliseconds");
        }
    }
}
