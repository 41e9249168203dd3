package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.cli.Main;
import io.livehook.state.Delivery;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code /api/deliveries} lists every status unless asked for one and pages like the rest of the API, and
 * {@code /api/deliveries/summary} says where each destination stands; the CLI shows both. Three destinations:
 * {@code app} takes everything, {@code audit} refuses everything (dead), {@code crm} is down (its circuit opens
 * after one failure and stays open for an hour, so its deliveries wait).
 */
class DeliveriesApiTest {
    static final int EVENTS = 5;

    @TempDir
    static Path dir;
    static TestReceiver app;
    static TestReceiver audit;
    static TestReceiver crm;
    static LivehookFixture lh;
    static long startedMs;

    @BeforeAll
    static void start() throws Exception {
        app = TestReceiver.start();
        audit = TestReceiver.start().behave(r -> TestReceiver.Answer.status(422));
        crm = TestReceiver.down();
        lh = LivehookFixture.in(dir).yaml("""
                destinations:
                  - name: app
                    url: %s
                  - name: audit
                    url: %s
                  - name: crm
                    url: %s
                    timeout_seconds: 2
                    retry: {initial_backoff_ms: 20}
                    circuit: {failure_threshold: 1, open_seconds: 3600}
                """.formatted(app.url(), audit.url(), crm.url())).start();
        startedMs = System.currentTimeMillis();
        for (int i = 0; i < EVENTS; i++) {
            lh.postEvent("room-" + (i % 2));
        }
        lh.awaitCaughtUp();
        LivehookFixture.await(Duration.ofSeconds(20), "app delivered, audit dead, crm's circuit open",
                () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == EVENTS
                        && lh.deliveryStore().count("audit", Delivery.DEAD) == EVENTS
                        && lh.meter("livehook.delivery.circuit.state", "destination", "crm") == 2);
    }

    @AfterAll
    static void stop() {
        lh.close();
        app.close();
        audit.close();
        crm.close();
    }

    @Test
    void withoutAStatusEveryStatusIsListed() {
        JsonNode all = lh.json("/api/deliveries");
        assertThat(all.get("deliveries")).hasSize(3 * EVENTS);
        Set<String> statuses = new TreeSet<>();
        all.get("deliveries").forEach(d -> statuses.add(d.get("status").asText()));
        assertThat(statuses).containsExactly("dead", "delivered", "pending");
        assertThat(all.get("next_cursor").isNull()).isTrue();
        assertThat(lh.json("/api/deliveries?status=all")).isEqualTo(all);

        JsonNode dead = lh.json("/api/deliveries?status=dead");
        assertThat(dead.get("deliveries")).hasSize(EVENTS)
                .allSatisfy(d -> assertThat(d.get("destination").asText()).isEqualTo("audit"));
        assertThat(lh.json("/api/deliveries?status=pending&destination=crm").get("deliveries")).hasSize(EVENTS);
    }

    @Test
    void pagesWithLimitAndCursorLikeTheRestOfTheApi() {
        List<JsonNode> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = lh.json("/api/deliveries?limit=4" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.get("deliveries").size()).isBetween(1, 4);
            page.get("deliveries").forEach(walked::add);
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(pages).isEqualTo(4); // 15 deliveries, 4 a page
        List<JsonNode> inOnePage = new ArrayList<>();
        lh.json("/api/deliveries?limit=1000").get("deliveries").forEach(inOnePage::add);
        assertThat(walked).containsExactlyElementsOf(inOnePage);

        // the same with a filter: the cursor carries on within it
        JsonNode firstDead = lh.json("/api/deliveries?status=dead&limit=3");
        JsonNode restDead = lh.json("/api/deliveries?status=dead&limit=3&cursor=" + firstDead.get("next_cursor").asText());
        assertThat(firstDead.get("deliveries").size() + restDead.get("deliveries").size()).isEqualTo(EVENTS);
        assertThat(restDead.get("next_cursor").isNull()).isTrue();

        assertThat(lh.get("/api/deliveries?cursor=" + Cursor.encode("rooms", 1L, "RM_x")).statusCode()).isEqualTo(400);
        assertThat(lh.get("/api/deliveries?cursor=garbage").statusCode()).isEqualTo(400);
        assertThat(lh.get("/api/deliveries?limit=0").statusCode()).isEqualTo(400);
        assertThat(lh.get("/api/deliveries?status=lost").statusCode()).isEqualTo(400);
        assertThat(lh.get("/api/deliveries?since=yesterday").statusCode()).isEqualTo(400);
        assertThat(lh.get("/api/deliveries?since=99999999999999999999999").statusCode()).isEqualTo(400);
        assertThat(LivehookFixture.text(lh.get("/api/deliveries?offset=4"))).contains("unknown parameter \\\"offset\\\"");
    }

    @Test
    void theSummarySaysWhereEachDestinationStands() {
        JsonNode destinations = lh.json("/api/deliveries/summary").get("destinations");
        assertThat(destinations).extracting(d -> d.get("destination").asText()).containsExactly("app", "audit", "crm");

        JsonNode fine = destinations.get(0);
        assertThat(fine.get("configured").asBoolean()).isTrue();
        assertThat(fine.get("delivered").asInt()).isEqualTo(EVENTS);
        assertThat(fine.get("pending").asInt()).isZero();
        assertThat(fine.get("dead").asInt()).isZero();
        assertThat(fine.get("circuit").asText()).isEqualTo("closed");
        assertThat(fine.get("circuit_probe_in_ms").asLong()).isZero();
        assertThat(fine.get("oldest_pending_age_ms").isNull()).isTrue();
        assertThat(fine.get("last_error").isNull()).isTrue();

        JsonNode refusing = destinations.get(1);
        assertThat(refusing.get("dead").asInt()).isEqualTo(EVENTS);
        assertThat(refusing.get("delivered").asInt()).isZero();
        assertThat(refusing.get("circuit").asText()).as("an answer, even a refusal, keeps it closed").isEqualTo("closed");
        assertThat(refusing.get("last_error").asText()).startsWith("HTTP 422");
        assertThat(refusing.get("last_error_at_ms").asLong()).isBetween(startedMs - 1000, System.currentTimeMillis());

        JsonNode down = destinations.get(2);
        assertThat(down.get("pending").asInt()).isEqualTo(EVENTS);
        assertThat(down.get("in_flight").asInt()).isZero();
        assertThat(down.get("circuit").asText()).isEqualTo("open");
        assertThat(down.get("circuit_probe_in_ms").asLong()).isBetween(1L, 3_600_000L);
        assertThat(down.get("oldest_pending_queued_ms").asLong()).isBetween(startedMs - 1000, System.currentTimeMillis());
        assertThat(down.get("oldest_pending_age_ms").asLong()).isBetween(0L, System.currentTimeMillis() - startedMs + 1000);
        assertThat(down.get("last_error").asText()).containsIgnoringCase("connect");

        assertThat(lh.get("/api/deliveries/summary?destination=app").statusCode()).isEqualTo(400);
        assertThat(lh.get("/api/deliveries/summary", null).statusCode()).isEqualTo(401);
    }

    @Test
    void theCliSaysWhichStatusItListsAndShowsEachDestination() {
        String every = cli("deliveries", "list", "--api-url", lh.base(), "--api-token", LivehookFixture.TOKEN);
        assertThat(every).contains("deliveries of every status").contains(" delivered ").contains(" dead ")
                .contains(" pending ").contains(3 * EVENTS + " shown").doesNotContain("more:");
        String dead = cli("deliveries", "list", "--status", "dead", "--api-url", lh.base(), "--api-token",
                LivehookFixture.TOKEN);
        assertThat(dead).contains("deliveries with status dead").contains(EVENTS + " shown")
                .doesNotContain(" delivered ").doesNotContain(" pending ");
        String paged = cli("deliveries", "list", "--limit", "10", "--api-url", lh.base(), "--api-token",
                LivehookFixture.TOKEN);
        assertThat(paged).contains("10 shown").contains("more: --cursor ");
        String cursor = paged.substring(paged.indexOf("more: --cursor ") + 15).strip();
        assertThat(cli("deliveries", "list", "--limit", "10", "--cursor", cursor, "--api-url", lh.base(),
                "--api-token", LivehookFixture.TOKEN)).contains("5 shown").doesNotContain("more:");

        String status = cli("deliveries", "status", "--api-url", lh.base(), "--api-token", LivehookFixture.TOKEN);
        List<String> lines = status.lines().toList();
        assertThat(lines.get(0)).startsWith("DESTINATION").contains("CIRCUIT").contains("PENDING").contains("IN FLIGHT")
                .contains("DEAD").contains("DELIVERED").contains("OLDEST WAITING").contains("LAST ERROR");
        assertThat(lines.get(1)).startsWith("app").contains("closed");
        assertThat(lines.get(2)).startsWith("audit").contains("HTTP 422");
        assertThat(lines.get(3)).startsWith("crm").contains("open (probe in ").containsPattern("\\s5\\s");
        assertThat(cli("deliveries", "status", "--json", "--api-url", lh.base(), "--api-token", LivehookFixture.TOKEN))
                .contains("\"circuit\" : \"open\"");
        assertThat(cli("deliveries", "status", "--api-url", lh.base(), "--api-token", "wrong"))
                .contains("the API token was refused");
    }

    @Test
    void aDestinationNoLongerConfiguredStillShowsWhatItHolds(@TempDir Path other) throws Exception {
        try (TestReceiver down = TestReceiver.down()) {
            String old = """
                    destinations:
                      - name: old
                        url: %s
                        circuit: {failure_threshold: 1, open_seconds: 3600}
                    """.formatted(down.url());
            try (LivehookFixture first = LivehookFixture.in(other).yaml(old).start()) {
                first.postEvent("r");
                first.postEvent("r");
                first.awaitCaughtUp();
            }
            try (LivehookFixture second = LivehookFixture.in(other).yaml("""
                    destinations:
                      - name: new
                        url: %s
                    """.formatted(down.url())).start()) {
                JsonNode destinations = second.json("/api/deliveries/summary").get("destinations");
                assertThat(destinations).extracting(d -> d.get("destination").asText()).containsExactly("new", "old");
                JsonNode gone = destinations.get(1);
                assertThat(gone.get("configured").asBoolean()).isFalse();
                assertThat(gone.get("pending").asInt()).isEqualTo(2);
                assertThat(gone.get("circuit").isNull()).isTrue();
                assertThat(gone.get("circuit_probe_in_ms").isNull()).isTrue();
                assertThat(cli("deliveries", "status", "--api-url", second.base(), "--api-token", LivehookFixture.TOKEN))
                        .contains("not configured");
            }
        }
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(out, true));
        command.execute(args);
        return out.toString();
    }
}
