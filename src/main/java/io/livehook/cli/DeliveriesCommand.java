package io.livehook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.client.LivehookApiException;
import io.livehook.client.LivehookClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code livehook deliveries ...}: dead letters and replays, through a running livehook's API. */
@Command(name = "deliveries", description = "Inspect, retry and replay deliveries to destinations.",
        mixinStandardHelpOptions = true,
        subcommands = {DeliveriesCommand.Status.class, DeliveriesCommand.ListDeliveries.class,
                DeliveriesCommand.Show.class, DeliveriesCommand.Retry.class, DeliveriesCommand.Replay.class})
final class DeliveriesCommand {

    /** Filters shared by list, retry and replay. Times: ISO-8601 instants or Unix milliseconds. */
    static final class Filter {
        @Option(names = "--destination", description = "Only this destination.")
        String destination;

        @Option(names = "--room", description = "Only events of this room (or egress/ingress id).")
        String room;

        @Option(names = "--type", description = "Only this event type, e.g. room_finished.")
        String type;

        @Option(names = "--since", description = "Events received at or after this time (ISO-8601 or Unix ms).")
        String since;

        @Option(names = "--until", description = "Events received before this time (ISO-8601 or Unix ms).")
        String until;

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("destination", destination);
            map.put("room", room);
            map.put("type", type);
            map.put("since", since);
            map.put("until", until);
            map.values().removeIf(v -> v == null);
            return map;
        }
    }

    @Command(name = "status", description = "Per destination: deliveries pending, in flight, dead and delivered, "
            + "the oldest waiting, the circuit breaker, the newest error.", mixinStandardHelpOptions = true)
    static final class Status extends ApiCommand {
        @Option(names = "--json", description = "Print the API's JSON answer.")
        boolean json;

        @Override
        void run(LivehookClient api, PrintWriter out) throws LivehookApiException {
            JsonNode answer = api.get("/api/deliveries/summary", Map.of());
            if (json) {
                out.println(answer.toPrettyString());
                return;
            }
            JsonNode destinations = answer.path("destinations");
            if (destinations.isEmpty()) {
                out.println("no destinations configured");
                return;
            }
            String format = "%-16s %-22s %9s %9s %9s %11s  %-14s %s%n";
            out.printf(format, "DESTINATION", "CIRCUIT", "PENDING", "IN FLIGHT", "DEAD", "DELIVERED", "OLDEST WAITING",
                    "LAST ERROR");
            for (JsonNode d : destinations) {
                out.printf(format, d.path("destination").asText(), circuit(d), d.path("pending").asText(),
                        d.path("in_flight").asText(), d.path("dead").asText(), d.path("delivered").asText(),
                        d.path("oldest_pending_age_ms").isNull() ? "-" : age(d.path("oldest_pending_age_ms").asLong()),
                        d.path("last_error").isNull() ? "" : d.path("last_error").asText()
                                + " (" + time(d.path("last_error_at_ms")) + ")");
            }
        }

        private static String circuit(JsonNode d) {
            if (!d.path("configured").asBoolean()) {
                return "not configured";
            }
            String state = d.path("circuit").asText();
            long probeIn = d.path("circuit_probe_in_ms").asLong();
            return state.equals("open") && probeIn > 0 ? state + " (probe in " + age(probeIn) + ")" : state;
        }
    }

    @Command(name = "list", description = "List deliveries of every status (or --status pending|delivered|dead), "
            + "in the order livehook received the events.", mixinStandardHelpOptions = true)
    static final class ListDeliveries extends ApiCommand {
        @Mixin
        Filter filter;

        @Option(names = "--status", description = "pending, delivered or dead (default: every status).")
        String status;

        @Option(names = "--limit", defaultValue = "100", description = "At most this many (default 100, max 1000).")
        int limit;

        @Option(names = "--cursor", description = "The next page: the cursor the previous page printed.")
        String cursor;

        @Option(names = "--json", description = "Print the API's JSON answer.")
        boolean json;

        @Override
        void run(LivehookClient api, PrintWriter out) throws LivehookApiException {
            Map<String, String> query = new LinkedHashMap<>();
            filter.asMap().forEach((k, v) -> query.put(k, v.toString()));
            query.put("status", status);
            query.put("limit", Integer.toString(limit));
            query.put("cursor", cursor);
            JsonNode answer = api.get("/api/deliveries", query);
            if (json) {
                out.println(answer.toPrettyString());
                return;
            }
            out.printf("deliveries %s%n", status == null || status.equals("all") ? "of every status"
                    : "with status " + status);
            String format = "%-14s %-22s %-28s %-20s %-9s %8s  %-24s %s%n";
            out.printf(format, "DESTINATION", "EVENT", "TYPE", "ROOM/KEY", "STATUS", "ATTEMPTS", "RECEIVED",
                    "LAST ERROR");
            for (JsonNode d : answer.get("deliveries")) {
                out.printf(format, d.get("destination").asText(), d.get("event_id").asText()
                                + (d.get("replay").asInt() > 0 ? " r" + d.get("replay").asInt() : ""),
                        d.get("event_type").asText(), d.get("queue_key").asText(), d.get("status").asText(),
                        d.get("attempts").asText(), time(d.get("received_at_ms")),
                        d.path("last_error").isNull() ? "" : d.path("last_error").asText(""));
            }
            out.printf("%d shown%n", answer.get("deliveries").size());
            if (!answer.path("next_cursor").isNull()) {
                out.printf("more: --cursor %s%n", answer.path("next_cursor").asText());
            }
        }
    }

    @Command(name = "show", description = "Show an event's deliveries to a destination with every attempt.",
            mixinStandardHelpOptions = true)
    static final class Show extends ApiCommand {
        @Parameters(index = "0", description = "Destination name.")
        String destination;

        @Parameters(index = "1", description = "Event id (EV_...).")
        String eventId;

        @Option(names = "--json", description = "Print the API's JSON answer.")
        boolean json;

        @Override
        void run(LivehookClient api, PrintWriter out) throws LivehookApiException {
            JsonNode answer = api.get("/api/deliveries/" + LivehookClient.segment(destination) + "/"
                    + LivehookClient.segment(eventId), Map.of());
            if (json) {
                out.println(answer.toPrettyString());
                return;
            }
            for (JsonNode d : answer.get("deliveries")) {
                out.printf("%s -> %s%s: %s (%s, %s), %d attempts, received %s%n", d.get("event_id").asText(),
                        d.get("destination").asText(), d.get("replay").asInt() > 0 ? " (replay " + d.get("replay")
                                .asInt() + ")" : "", d.get("status").asText(), d.get("event_type").asText(),
                        d.get("queue_key").asText(), d.get("attempts").asInt(), time(d.get("received_at_ms")));
                for (JsonNode a : d.get("attempt_history")) {
                    out.printf("  #%-3d %s  %-16s %-6s %6s  %s%s%n", a.get("attempt").asInt(), time(a.get("started_ms")),
                            a.get("outcome").asText(), a.path("http_status").isNull() ? "-" : a.get("http_status").asText(),
                            a.path("latency_ms").isNull() ? "-" : a.get("latency_ms").asText() + "ms",
                            a.path("error").isNull() ? "" : a.get("error").asText(),
                            a.path("response_snippet").isNull() || a.get("response_snippet").asText().isEmpty() ? ""
                                    : "  body: " + a.get("response_snippet").asText().replaceAll("\\s+", " "));
                }
            }
        }
    }

    @Command(name = "retry", description = "Put dead deliveries back to pending: by event ids, or by filter.",
            mixinStandardHelpOptions = true)
    static final class Retry extends ApiCommand {
        @Parameters(arity = "0..*", description = "Event ids to retry (all their dead deliveries).")
        List<String> eventIds = List.of();

        @Mixin
        Filter filter;

        @Override
        void run(LivehookClient api, PrintWriter out) throws LivehookApiException {
            Map<String, Object> body = filter.asMap();
            if (!eventIds.isEmpty()) {
                body.put("event_ids", eventIds);
            }
            JsonNode answer = api.post("/api/deliveries/retry", body);
            out.printf("%d dead deliveries back to pending%n", answer.get("retried").asInt());
        }
    }

    @Command(name = "replay", description = "Send the events of a time range to a destination again.",
            mixinStandardHelpOptions = true)
    static final class Replay extends ApiCommand {
        @Option(names = "--destination", required = true, description = "Destination to send to.")
        String destination;

        @Option(names = "--since", required = true, description = "Events received at or after this time.")
        String since;

        @Option(names = "--until", description = "Events received before this time (default: now).")
        String until;

        @Option(names = "--room", description = "Only events of this room (or egress/ingress id).")
        String room;

        @Option(names = "--type", description = "Only this event type.")
        String type;

        @Override
        void run(LivehookClient api, PrintWriter out) throws LivehookApiException {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("destination", destination);
            body.put("since", since);
            if (until != null) {
                body.put("until", until);
            }
            if (room != null) {
                body.put("room", room);
            }
            if (type != null) {
                body.put("type", type);
            }
            JsonNode answer = api.post("/api/deliveries/replay", body);
            out.printf("%d replay deliveries queued for %s%n", answer.get("created").asInt(), destination);
        }
    }

    static String time(JsonNode ms) {
        return ms == null || ms.isNull() ? "-" : Instant.ofEpochMilli(ms.asLong()).toString();
    }

    /** "45s", "12m3s", "74h5m0s": whole seconds. */
    static String age(long ms) {
        return Duration.ofSeconds(ms / 1000).toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
