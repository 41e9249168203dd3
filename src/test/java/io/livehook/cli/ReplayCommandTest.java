package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.Livehook;
import io.livehook.config.ConfigLoader;
import io.livehook.livekit.WebhookSigner;
import io.livehook.log.EmbeddedLog;
import io.livehook.log.EventLog;
import io.livehook.process.Processor;
import io.livehook.process.Replay;
import io.livehook.state.StateLocation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code livehook replay}: rebuilds the state, says so in one line, and shows no progress when not on a terminal. */
class ReplayCommandTest {
    @TempDir
    Path tmp;

    private Path data;

    @BeforeEach
    void aDataDirectoryWithThreeEvents() throws Exception {
        data = tmp.resolve("data");
        var config = new ConfigLoader(Map.of("LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_PORT", "0",
                "LIVEHOOK_DATA_DIR", data.toString())).load(Optional.empty(), true);
        WebhookSigner signer = new WebhookSigner(ConfigLoader.DEV_KEY, ConfigLoader.DEV_SECRET, Clock.systemUTC());
        try (Livehook livehook = Livehook.start(config, Clock.systemUTC()); HttpClient http = HttpClient.newHttpClient()) {
            for (int i = 1; i <= 3; i++) {
                byte[] body = ("{\"id\":\"EV_replay" + i + "\",\"event\":\"room_started\",\"room\":{\"sid\":\"RM_" + i
                        + "\",\"name\":\"r" + i + "\"},\"createdAt\":\"1700000000\"}").getBytes(StandardCharsets.UTF_8);
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + livehook.port() + "/webhook"))
                        .header("Content-Type", "application/webhook+json").header("Authorization", signer.sign(body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void rebuildsTheStateAndPrintsOnlyTheResultWhenNotOnATerminal() throws Exception {
        Path yaml = Files.writeString(tmp.resolve("livehook.yaml"), "storage: {data_dir: \"" + data + "\"}\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute("replay", "-c", yaml.toString())).as(err.toString()).isZero();

        assertThat(out.toString()).matches("replayed 3 events into .*state\\.db in [0-9.]+ s\\n");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void tellsItsWatcherThatItRunsAndWhenItHasCaughtUp() throws Exception {
        List<String> heard = new ArrayList<>();
        try (EventLog log = EmbeddedLog.open(data)) {
            long applied = Replay.rebuild(log, StateLocation.sqlite(data.resolve("state.db")), 2, Clock.systemUTC(), Duration.ofSeconds(60),
                    new Replay.Watcher() {
                        private Processor processor;

                        @Override
                        public void started(Processor started) {
                            processor = started;
                            heard.add("started");
                        }

                        @Override
                        public void caughtUp() {
                            heard.add("caught up at " + processor.appliedUpTo(0) + " of " + log.head(0));
                        }
                    });
            assertThat(applied).isEqualTo(3);
            assertThat(heard).containsExactly("started", "caught up at " + log.head(0) + " of " + log.head(0));
        }
    }
}
