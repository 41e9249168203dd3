package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livehook.testing.LivehookFixture;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An event answered 200 can be looked up at once: from the log while processing has not applied it yet. */
class ReadYourAckTest {
    @TempDir
    Path dir;

    private LivehookFixture server;

    @BeforeEach
    void start() {
        server = LivehookFixture.in(dir).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anEventNotAppliedYetIsPending_withItsExactBytes_thenApplied() throws Exception {
        String applied = "{\"id\": \"EV_first\", \"event\": \"room_started\", \"room\": {\"sid\": \"RM_1\", "
                + "\"name\": \"standup\"}}";
        assertThat(server.webhook(applied)).isEqualTo(200);
        server.awaitCaughtUp();
        assertThat(server.json("/api/events/EV_first").get("status").asText()).isEqualTo("applied");

        server.livehook().processor().close(); // nothing more is applied from here on
        String body = "{\"id\": \"EV_late\", \"event\": \"participant_joined\", \"createdAt\": \"1700000099\", "
                + "\"room\": {\"sid\": \"RM_1\", \"name\": \"standup\"}, "
                + "\"participant\": {\"sid\": \"PA_x\", \"identity\": \"xena\"}}";
        assertThat(server.webhook(body)).isEqualTo(200);

        JsonNode event = server.json("/api/events/EV_late");
        assertThat(event.get("received_at_ms").asLong()).isPositive();
        ((ObjectNode) event).remove("received_at_ms");
        assertThat(event).isEqualTo(new ObjectMapper().readTree("""
                {"event_id": "EV_late", "type": "participant_joined", "known_type": true,
                 "created_at_ms": 1700000099000, "room_sid": "RM_1", "room_name": "standup",
                 "participant_sid": "PA_x", "participant_identity": "xena", "track_sid": null, "egress_id": null,
                 "ingress_id": null, "origin": "livekit", "key_id": "APItestkey", "queue_key": "standup",
                 "log_partition": 0, "log_offset": 2, "body_bytes": LENGTH, "status": "pending"}
                """.replace("LENGTH", Integer.toString(body.getBytes(StandardCharsets.UTF_8).length))));
        HttpResponse<byte[]> raw = server.get("/api/events/EV_late/raw");
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(new String(raw.body(), StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(new String(server.get("/api/events/EV_first/raw").body(), StandardCharsets.UTF_8))
                .as("an applied event's bytes come from the log too").isEqualTo(applied);
        assertThat(server.get("/api/events/EV_never").statusCode()).isEqualTo(404);
        assertThat(server.get("/api/events/EV_never/raw").statusCode()).isEqualTo(404);
    }
}
