package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.livehook.deliver.DeliveryService;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.state.DeliveryFilter;
import io.livehook.state.StateUnavailableException;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/deliveries}: dead letters and replays of deliveries.
 * <ul>
 *   <li>{@code GET /} lists deliveries, dead ones unless {@code status} says otherwise (pending, delivered,
 *       dead, all); filters {@code destination}, {@code room}, {@code type}, {@code since}, {@code until},
 *       {@code limit};</li>
 *   <li>{@code GET /{destination}/{eventId}} shows the event's deliveries to that destination with every
 *       attempt;</li>
 *   <li>{@code POST /retry} puts dead deliveries back to pending, by {@code event_ids} or by filter;</li>
 *   <li>{@code POST /replay} sends a time range of events to a destination again.</li>
 * </ul>
 * Times are ISO-8601 instants or Unix milliseconds and bound when livehook received the event.
 */
public final class DeliveriesApi implements HttpService {
    private static final Logger log = LoggerFactory.getLogger(DeliveriesApi.class);
    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;
    private static final Set<String> FILTER_FIELDS = Set.of("event_ids", "destination", "room", "type", "since",
            "until");
    private static final Set<String> STATUSES = Set.of(Delivery.PENDING, Delivery.DELIVERED, Delivery.DEAD, "all");

    private final DeliveryService deliveries;

    public DeliveriesApi(DeliveryService deliveries) {
        this.deliveries = deliveries;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", json(this::list))
                .post("/retry", json(this::retry))
                .post("/replay", json(this::replay))
                .get("/{destination}/{eventId}", json(this::show));
    }

    private Object list(ServerRequest req) {
        var query = req.query();
        String status = query.first("status").asOptional().orElse(Delivery.DEAD);
        if (!STATUSES.contains(status)) {
            throw ApiException.badRequest("status must be one of pending, delivered, dead, all");
        }
        int limit = query.first("limit").asOptional().map(DeliveriesApi::limit).orElse(DEFAULT_LIMIT);
        DeliveryFilter filter = new DeliveryFilter(query.first("destination").asOptional(),
                query.first("room").asOptional(), query.first("type").asOptional(),
                query.first("since").asOptional().map(t -> time("since", t)),
                query.first("until").asOptional().map(t -> time("until", t)), List.of());
        List<Delivery> found = deliveries.store().find(status.equals("all") ? Optional.empty() : Optional.of(status),
                filter, limit);
        return Map.of("deliveries", found, "count", found.size(), "limit", limit);
    }

    private Object show(ServerRequest req) {
        var params = req.path().pathParameters();
        String destination = params.get("destination");
        String eventId = params.get("eventId");
        List<Delivery> found = deliveries.store().deliveries(destination, eventId);
        if (found.isEmpty()) {
            throw ApiException.notFound("no delivery of event " + eventId + " to destination " + destination);
        }
        List<Map<String, Object>> shown = new ArrayList<>();
        for (Delivery d : found) {
            Map<String, Object> entry = ApiJson.RECORDS.convertValue(d, ApiJson.RECORDS.getTypeFactory()
                    .constructMapType(LinkedHashMap.class, String.class, Object.class));
            List<DeliveryAttempt> attempts = deliveries.store().attempts(d);
            entry.put("attempt_history", attempts);
            shown.add(entry);
        }
        return Map.of("destination", destination, "event_id", eventId, "deliveries", shown);
    }

    private Object retry(ServerRequest req) throws SQLException {
        JsonNode body = RequestBody.object(req, FILTER_FIELDS);
        DeliveryFilter filter = filter(body);
        if (filter.isEmpty()) {
            throw ApiException.badRequest("say which dead deliveries to retry: event_ids, or a filter (destination, room, "
                    + "type, since, until)");
        }
        filter.destination().ifPresent(this::requireDestination);
        int retried = deliveries.retry(filter);
        log.info("operator retry of dead deliveries ({}): {} back to pending", filter, retried);
        return Map.of("retried", retried);
    }

    private Object replay(ServerRequest req) throws SQLException {
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
        return Map.of("created", created);
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

    static long time(String name, String text) {
        String t = text.strip();
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(t);
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 instant (2026-01-31T12:00:00Z) or Unix milliseconds");
        }
    }

    private static int limit(String text) {
        try {
            int limit = Integer.parseInt(text.strip());
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT);
            }
            return limit;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a whole number");
        }
    }

    /** The store's failures are the store being unavailable: the caller may try again. */
    private static Handler json(Action action) {
        return (req, res) -> {
            Object answer;
            try {
                answer = action.run(req);
            } catch (SQLException e) {
                throw new StateUnavailableException("deliveries API: " + e.getMessage(), e);
            }
            ApiJson.send(res, Status.OK_200, answer);
        };
    }

    @FunctionalInterface
    private interface Action {
        Object run(ServerRequest req) throws SQLException;
    }
}
