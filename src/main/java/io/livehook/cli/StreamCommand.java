package io.livehook.cli;

import io.livehook.client.LivehookApiException;
import io.livehook.client.LivehookClient;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code livehook stream [--room NAME]}: follows a running livehook's state changes, one line each. */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = "Follow state changes (sessions opened and ended, tracks, rooms) as they are applied.")
final class StreamCommand extends ApiCommand {
    @Option(names = "--room", description = "Only this room (name or sid).")
    String room;

    @Option(names = "--after", description = "Start after this change id (0: every change kept); default: from now.")
    Long after;

    @Option(names = "--count", description = "Stop after this many changes; default: follow until stopped.")
    Long count;

    @Option(names = "--json", description = "Print each change as the API's JSON, one per line.")
    boolean json;

    @Override
    void run(LivehookClient api, PrintWriter out) throws LivehookApiException {
        if ((after != null && after < 0) || (count != null && count < 1)) {
            throw new ParameterException(spec.commandLine(), "--after must be 0 or more and --count 1 or more");
        }
        long[] seen = {0};
        try {
            api.stream(Optional.ofNullable(room), after == null ? OptionalLong.empty() : OptionalLong.of(after), c -> {
                if (json) {
                    out.println(c.data());
                } else {
                    var d = c.data();
                    out.printf("%d %-17s %s%s%s %s %s%n", c.id(), c.kind(), d.path("room").asText(),
                            d.hasNonNull("identity") ? " " + d.path("identity").asText() : "",
                            d.hasNonNull("track_sid") ? " " + d.path("track_sid").asText() : "",
                            d.path("source").asText("-"), d.path("event_id").asText());
                }
                out.flush();
                return count == null || ++seen[0] < count;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
