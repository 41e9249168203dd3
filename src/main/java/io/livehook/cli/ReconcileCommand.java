package io.livehook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code livehook reconcile [--room NAME]}: asks a running livehook for a reconciliation pass now. */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Compare livehook's active rooms with LiveKit's RoomService now and correct the differences.")
final class ReconcileCommand implements Callable<Integer> {
    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    @Option(names = "--room", description = "Only this room (by name).")
    String room;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            String path = "/api/reconcile" + (room == null ? "" : "?room=" + ApiClient.segment(room));
            JsonNode summary = api.post(path, java.util.Map.of());
            out.printf("checked %d room(s), %d participant(s) listed, %d RoomService call(s) in %d ms; "
                            + "%d difference(s) deferred (too recent, or gone on a second look)%n",
                    summary.path("rooms_checked").asInt(), summary.path("participants_listed").asInt(),
                    summary.path("requests").asInt(), summary.path("duration_ms").asLong(),
                    summary.path("deferred").asInt());
            JsonNode corrections = summary.path("corrections");
            out.printf("%d correction(s)%n", corrections.size());
            for (JsonNode c : corrections) {
                out.printf("  %-15s %s %s%s%n", c.path("kind").asText(), c.path("event_id").asText(),
                        c.path("room").asText(), c.hasNonNull("identity") ? " " + c.path("identity").asText() : "");
            }
            out.flush();
            return 0;
        } catch (ApiClient.Failure e) {
            spec.commandLine().getErr().println("livehook: " + e.getMessage());
            return 1;
        }
    }
}
