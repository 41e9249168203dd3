package io.livehook.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.Livehook;
import io.livehook.config.ConfigLoader;
import io.livehook.testing.LivehookProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code livehook probe}, the container health check: 0 when livehook is ready, 1 when nothing answers. */
class ProbeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void aReadyLivehookPasses(@TempDir Path dataDir) {
        var config = new ConfigLoader(Map.of("LIVEHOOK_HOST", "127.0.0.1", "LIVEHOOK_PORT", "0",
                "LIVEHOOK_DATA_DIR", dataDir.toString())).load(Optional.empty(), true);
        try (Livehook livehook = Livehook.start(config, Clock.systemUTC())) {
            String url = "http://127.0.0.1:" + livehook.port() + "/readyz";
            assertThat(run("probe", "--url", url)).as(err.toString()).isZero();
            assertThat(out.toString()).isEqualTo(url + ": 200 ready\n");
        }
    }

    @Test
    void nothingListeningFails() throws Exception {
        String url = "http://127.0.0.1:" + LivehookProcess.freePort() + "/readyz";
        assertThat(run("probe", "--url", url, "--timeout", "2")).isEqualTo(1);
        assertThat(out.toString()).startsWith(url + ": no answer (");
    }

    @Test
    void aUrlThatIsNoneIsAnError() {
        assertThat(run("probe", "--url", "not a url")).isEqualTo(2);
        assertThat(err.toString()).contains("--url not a url is not a URL");
    }

    private int run(String... args) {
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
