package io.livehook.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.livehook.api.ApiJson;
import io.livehook.deliver.DeliveryService;
import io.livehook.log.EventLog;
import io.livehook.log.LoggedEvent;
import io.livehook.metrics.MetricsHistory;
import io.livehook.state.DeadLetter;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryFilter;
import io.livehook.state.Room;
import io.livehook.state.StateQueries;
import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's pages, rendered server-side from state (every LiveKit-provided value escaped by {@link Html}),
 * each sent with a strict Content-Security-Policy (scripts and styles from livehook only, nothing inline), so
 * even a value that escaped escaping could not run.
 */
final class DashboardPages {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Logger log = LoggerFactory.getLogger(DashboardPages.class);
    private static final int ACTIVE_ROOMS = 200;
    private static final int FINISHED_ROOMS = 25;
    private static final int TIMELINE_EVENTS = StateQueries.MAX_LIMIT;
    private static final int DEAD_LETTERS = 200;

    private final StateQueries queries;
    private final DeliveryService deliveries;
    private final EventLog eventLog;
    private final MetricsHistory history;
    private final DashboardLogin login;
    private final Clock clock;

    DashboardPages(StateQueries queries, DeliveryService deliveries, EventLog eventLog, MetricsHistory history,
            DashboardLogin login, Clock clock) {
        this.queries = queries;
        this.deliveries = deliveries;
        this.eventLog = eventLog;
        this.history = history;
        this.login = login;
        this.clock = clock;
    }

    @FunctionalInterface
    interface Page {
        /** The page's HTML, or a 404 message when what it shows does not exist. */
        Rendered render(ServerRequest req, Layout.Viewer viewer);
    }

    record Rendered(Status status, String html) {
        static Rendered ok(String html) {
            return new Rendered(Status.OK_200, html);
        }
    }

    Handler page(Page page) {
        return (req, res) -> {
            Layout.Viewer viewer = login.viewer(req);
            Rendered rendered;
            try {
                rendered = page.render(req, viewer);
            } catch (StateUnavailableException e) {
                log.warn("dashboard page failed: {}", e.getMessage());
                res.header(HeaderNames.RETRY_AFTER, "1");
                rendered = new Rendered(Status.SERVICE_UNAVAILABLE_503, message("Unavailable",
                        "The state store is unavailable; try again in a moment.", viewer));
            } catch (RuntimeException e) {
                log.error("dashboard page failed", e);
                rendered = new Rendered(Status.INTERNAL_SERVER_ERROR_500, message("Error",
                        "Something went wrong rendering this page; the log says what.", viewer));
            }
            html(res, rendered.status(), rendered.html());
        };
    }

    Rendered rooms(ServerRequest req, Layout.Viewer viewer) {
        var active = queries.rooms(Room.ACTIVE, null, ACTIVE_ROOMS);
        var finished = queries.rooms(Room.FINISHED, null, FINISHED_ROOMS);
        return Rendered.ok(RoomsPage.render(active.items(), active.more(), finished.items(), clock.millis(), viewer));
    }

    Rendered room(ServerRequest req, Layout.Viewer viewer) {
        String room = req.path().pathParameters().get("room");
        var detail = queries.room(room);
        if (detail.isEmpty()) {
            return new Rendered(Status.NOT_FOUND_404, notFound(viewer, "No room with sid or name \"" + room + "\"."));
        }
        String sid = detail.get().summary().room().sid();
        var timeline = queries.timeline(sid, null, TIMELINE_EVENTS).orElseThrow();
        return Rendered.ok(RoomPage.render(detail.get(), timeline.entries().items(), timeline.entries().more(),
                timeline.anomalies(), clock.millis(), viewer));
    }

    Rendered event(ServerRequest req, Layout.Viewer viewer) {
        String id = req.path().pathParameters().get("id");
        Optional<EventSummary> applied = queries.event(id);
        EventPage.Shown shown;
        List<AnomalyRecord> anomalies = List.of();
        if (applied.isPresent()) {
            EventSummary e = applied.get();
            shown = new EventPage.Shown(e.eventId(), e.eventType(), e.createdAtMs(), e.receivedAtMs(), e.keyId(),
                    e.origin(), e.queueKey(), e.roomSid(), e.roomName(), e.participantSid(), e.participantIdentity(),
                    e.trackSid(), e.logPartition(), e.logOffset(),
                    eventLog.read(e.logPartition(), e.logOffset(), id).map(LoggedEvent::body).orElse(null), null);
            String room = e.roomSid() != null ? e.roomSid() : e.roomName();
            if (room != null) {
                anomalies = queries.anomalies(room, null, null, StateQueries.MAX_LIMIT).items().stream()
                        .filter(a -> a.anomaly().eventIds().contains(id)).sorted((a, b) -> Long.compare(a.id(), b.id()))
                        .toList();
            }
        } else {
            Optional<DeadLetter> letter = queries.deadLetter(id);
            if (letter.isEmpty()) {
                return new Rendered(Status.NOT_FOUND_404, notFound(viewer, "No event with id \"" + id + "\"."));
            }
            DeadLetter d = letter.get();
            LoggedEvent logged = eventLog.read(d.logPartition(), d.logOffset(), id).orElse(null);
            shown = new EventPage.Shown(id, d.eventType(), null,
                    logged == null ? d.firstFailedMs() : logged.receivedAt().toEpochMilli(),
                    logged == null ? null : logged.keyId(), logged == null ? null : logged.origin().label(),
                    d.queueKey(), null, null, null, null, null, d.logPartition(), d.logOffset(),
                    logged == null ? null : logged.body(), d);
        }
        return Rendered.ok(EventPage.render(shown, anomalies, viewer));
    }

    Rendered health(ServerRequest req, Layout.Viewer viewer) {
        List<MetricsHistory.Sample> samples = history.samples();
        MetricsHistory.Sample latest = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        return Rendered.ok(HealthPage.render(latest, queries.anomalies(null, null, null, 10).items(),
                history.interval().toSeconds(), clock.millis(), viewer));
    }

    Rendered deliveries(ServerRequest req, Layout.Viewer viewer) {
        return Rendered.ok(DeliveriesPage.render(deliveries.summary(), clock.millis(), viewer));
    }

    Rendered deadLetters(ServerRequest req, Layout.Viewer viewer) {
        String status = req.query().first("status").asOptional()
                .filter(s -> List.of(DeadLetter.OPEN, DeadLetter.RETRYING, DeadLetter.RESOLVED).contains(s))
                .orElse(null);
        var letters = queries.deadLetters(status, null, DEAD_LETTERS);
        var deadDeliveries = deliveries.store().page(Optional.of(Delivery.DEAD), DeliveryFilter.any(), null,
                DEAD_LETTERS);
        return Rendered.ok(DeadLettersPage.render(letters.items(), letters.more(), status, deadDeliveries.items(),
                deadDeliveries.more(), eventLog.quarantined(50), clock.millis(), viewer));
    }

    /**
     * The samples as columns: {@code times_ms} and one array per series ({@code null} where unknown), for
     * the health page's sparklines.
     */
    void healthJson(ServerRequest req, ServerResponse res) {
        List<MetricsHistory.Sample> samples = history.samples();
        ObjectNode node = ApiJson.object()
                .put("interval_seconds", history.interval().toSeconds())
                .put("window_seconds", history.interval().toSeconds() * history.capacity())
                .put("now_ms", clock.millis());
        ArrayNode times = node.putArray("times_ms");
        Map<String, ArrayNode> series = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (MetricsHistory.Sample s : samples) {
            for (String name : s.values().keySet()) {
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        }
        ObjectNode seriesNode = node.putObject("series");
        for (String name : names) {
            series.put(name, seriesNode.putArray(name));
        }
        for (MetricsHistory.Sample s : samples) {
            times.add(s.atMs());
            for (String name : names) {
                Double v = s.values().get(name);
                if (v == null || v.isNaN() || v.isInfinite()) {
                    series.get(name).addNull();
                } else {
                    series.get(name).add(v);
                }
            }
        }
        ApiJson.send(res, Status.OK_200, node);
    }

    static String notFound(Layout.Viewer viewer, String message) {
        return message("Not found", message, viewer);
    }

    static String message(String title, String message, Layout.Viewer viewer) {
        return Layout.page(title, "", viewer, h -> h.el("h1", title).el("p", message, "class", "lead"));
    }

    static void html(ServerResponse res, Status status, String html) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.send(html.getBytes(StandardCharsets.UTF_8));
    }
}
