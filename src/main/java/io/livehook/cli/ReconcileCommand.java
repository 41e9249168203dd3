package io.livehook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.client.LivehookApiException;
import io.livehook.client.LivehookClient;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code livehook reconcile [--room NAME]}: asks a running livehook for a reconciliation pass now. */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Compare livehook's active rooms with LiveKit's RoomService now and correct the differences.")
final class ReconcileCommand extends ApiCommand {
    @Option(names = "--room", description = "Only this room (by name).")
    String room;

    @Override
    void run(LivehookClient api, PrintWriter out) throws LivehookApiException {
        String path = "/api/reconcile" + (room == null ? "" : "?room=" + LivehookClient.segment(room));
        JsonNode summary = api.post(path, Map.of());
        out.printf("checked %d room(s), %d participant(s) listed, %d RoomService call(s) in %d ms; "
                        + "%d difference(s) deferred (too recent, or gone on a second look)%n",
                summary.path("rooms_checked").asInt(), summary.path("participants_listed").asInt(),
                summary.path("requests").asInt(), summary.path("duration_ms").asLong(),
                summary.path("deferred").asInt());
        JsonNode corrections = summary.path("corrections");
        out.printf("%d correction(s)%n", corrections.size());
        for (JsonNode c : corrections) {
            out.printf("  %-17s %s %s%s%s%n", c.path("kind").asText(), c.path("event_id").asText(),
                    c.path("room").asText(), c.hasNonNull("identity") ? " " + c.path("identity").asText() : "",
                    c.hasNonNull("track_sid") ? " " + c.path("track_sid").asText() : "");
        }
    }
}
