package io.livehook.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.cli.Main;
import io.livehook.state.Delivery;
import io.livehook.state.DeliveryAttempt;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestReceiver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A destination that answers 400: deliveries die at once with their history; once the receiver is fixed
 * an operator retries them through the API and they arrive. Also the API's token check and the CLI.
 */
class RejectingReceiverTest {
    @TempDir
    Path dir;

    @Test
    void rejected_deliveries_are_dead_letters_until_an_operator_retries_them() throws Exception {
        AtomicBoolean broken = new AtomicBoolean(true);
        try (TestReceiver receiver = TestReceiver.start().behave(r -> broken.get()
                        ? new TestReceiver.Answer(400, Duration.ofMillis(0), java.util.Map.of(), "{\"error\":\"unknown field\"}" + "x".repeat(2000))
                        : TestReceiver.Answer.ok());
                LivehookFixture lh = LivehookFixture.in(dir).yaml("""
                        destinations:
                          - name: app
                            url: %s
                            retry: {initial_backoff_ms: 20}
                          - name: audit
                            url: %s
                            events: {include: [room_finished]}
                        """.formatted(receiver.url(), receiver.url())).start()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(lh.postEvent("r1"));
            }
            ids.add(lh.postEvent("r2"));
            LivehookFixture.await(Duration.ofSeconds(10), "4 dead letters",
                    () -> lh.deliveryStore().count("app", Delivery.DEAD) == 4);
            assertThat(receiver.requests()).hasSize(4); // one attempt each: a 400 is not retried
            assertThat(lh.deliveryStore().count("audit", Delivery.PENDING) + lh.deliveryStore().count("audit", Delivery.DEAD)
                    + lh.deliveryStore().count("audit", Delivery.DELIVERED)).as("filtered out").isZero();

            // The API is closed without the token, and with a wrong one.
            assertThat(lh.request("GET", "/api/deliveries", null, null).statusCode()).isEqualTo(401);
            assertThat(lh.request("GET", "/api/deliveries", null, "wrong").statusCode()).isEqualTo(401);

            JsonNode dead = lh.json("GET", "/api/deliveries?destination=app&room=r1", null);
            assertThat(dead.get("deliveries")).hasSize(3);
            assertThat(dead.get("deliveries").get(0).get("last_error").asText()).startsWith("HTTP 400");
            assertThat(lh.json("GET", "/api/deliveries?type=room_finished", null).get("deliveries")).isEmpty();
            assertThat(lh.json("GET", "/api/deliveries?until=" + Instant.now().minusSeconds(3600), null)
                    .get("deliveries")).isEmpty();

            JsonNode shown = lh.json("GET", "/api/deliveries/app/" + ids.get(0), null);
            JsonNode history = shown.get("deliveries").get(0).get("attempt_history");
            assertThat(history).hasSize(1);
            assertThat(history.get(0).get("http_status").asInt()).isEqualTo(400);
            assertThat(history.get(0).get("outcome").asText()).isEqualTo("dead");
            assertThat(history.get(0).get("response_snippet").asText()).startsWith("{\"error\":\"unknown field\"}")
                    .hasSize(512);
            assertThat(lh.request("GET", "/api/deliveries/app/EV_nope", null, LivehookFixture.TOKEN).statusCode())
                    .isEqualTo(404);
            assertThat(lh.request("POST", "/api/deliveries/retry", "{}", LivehookFixture.TOKEN).statusCode()).isEqualTo(400);
            assertThat(lh.request("POST", "/api/deliveries/retry", "{\"destination\":\"nope\"}", LivehookFixture.TOKEN)
                    .statusCode()).isEqualTo(400);

            // The CLI lists and shows the same (--url and --token: the options' first names, still understood).
            String listed = cli("deliveries", "list", "--api-url", lh.base(), "--api-token", LivehookFixture.TOKEN,
                    "--destination", "app");
            assertThat(listed).contains(ids.get(0), ids.get(3), "participant_joined", "HTTP 400", "4 shown");
            assertThat(cli("deliveries", "show", "app", ids.get(0), "--url", lh.base(), "--token", LivehookFixture.TOKEN))
                    .contains("#1", "dead", "400");
            assertThat(cli("deliveries", "list", "--api-url", lh.base(), "--api-token", "wrong"))
                    .contains("the API token was refused").doesNotContain("wrong");
            assertThat(cli("deliveries", "list", "--api-url", lh.base())).contains("set --api-token or LIVEHOOK_API_TOKEN");

            // Fixed receiver; retry r1 by filter through the API, r2 by id through the CLI.
            broken.set(false);
            JsonNode retried = lh.json("POST", "/api/deliveries/retry", "{\"destination\":\"app\",\"room\":\"r1\"}");
            assertThat(retried.get("retried").asInt()).isEqualTo(3);
            LivehookFixture.await(Duration.ofSeconds(10), "r1 delivered", () -> receiver.accepted().size() == 3);
            assertThat(receiver.acceptedInRoom("r1")).containsExactlyElementsOf(ids.subList(0, 3));
            assertThat(cli("deliveries", "retry", ids.get(3), "--url", lh.base(), "--token", LivehookFixture.TOKEN))
                    .contains("1 dead deliveries back to pending");
            LivehookFixture.await(Duration.ofSeconds(10), "all delivered",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 4);

            Delivery first = lh.deliveryStore().deliveries("app", ids.get(0)).get(0);
            assertThat(first.status()).isEqualTo(Delivery.DELIVERED);
            assertThat(first.attempts()).isEqualTo(2);
            assertThat(lh.deliveryStore().attempts(first)).extracting(DeliveryAttempt::outcome)
                    .containsExactly("dead", "delivered"); // history kept across the retry
            assertThat(lh.meter("livehook.delivery.dead.letters", "destination", "app")).isZero();

            // Replay the delivered events of r1 again through the CLI: new deliveries marked as replays.
            assertThat(cli("deliveries", "replay", "--destination", "app", "--room", "r1", "--since",
                    Instant.now().minusSeconds(600).toString(), "--url", lh.base(), "--token", LivehookFixture.TOKEN))
                    .contains("3 replay deliveries queued for app");
            LivehookFixture.await(Duration.ofSeconds(10), "replays delivered",
                    () -> lh.deliveryStore().count("app", Delivery.DELIVERED) == 7);
            assertThat(receiver.accepted().subList(4, 7)).containsExactlyElementsOf(ids.subList(0, 3));
            assertThat(receiver.requests().get(receiver.requests().size() - 1).header("Livehook-Replay")).isEqualTo("1");
            assertThat(lh.deliveryStore().deliveries("app", ids.get(0))).extracting(Delivery::replay, Delivery::status)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(0, "delivered"),
                            org.assertj.core.groups.Tuple.tuple(1, "delivered"));
            assertThat(lh.request("POST", "/api/deliveries/replay", "{\"destination\":\"app\"}", LivehookFixture.TOKEN)
                    .statusCode()).isEqualTo(400);
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
