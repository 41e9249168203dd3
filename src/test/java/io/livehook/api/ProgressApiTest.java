package io.livehook.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livehook.testing.LivehookFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressApiTest {
    @TempDir
    Path dir;

    @Test
    void reportsEachPartitionAndTheTotal_behindTheToken() {
        try (LivehookFixture lh = LivehookFixture.start(dir)) {
            assertThat(lh.get("/api/progress", null).statusCode()).isEqualTo(401);
            for (int i = 0; i < 12; i++) {
                lh.postEvent("progress-" + (i % 4));
            }
            lh.awaitCaughtUp();

            JsonNode progress = lh.json("/api/progress");
            JsonNode partitions = progress.get("partitions");
            assertThat(partitions).hasSize(lh.livehook().eventLog().partitions());
            long head = 0;
            for (JsonNode p : partitions) {
                assertThat(p.get("head").asLong()).isEqualTo(lh.livehook().eventLog().head(p.get("partition").asInt()));
                assertThat(p.get("applied").asLong()).isEqualTo(p.get("head").asLong());
                assertThat(p.get("lag_events").asLong()).isZero();
                assertThat(p.get("lag_seconds").asDouble()).isZero();
                head += p.get("head").asLong();
            }
            JsonNode total = progress.get("total");
            assertThat(total.get("head").asLong()).isEqualTo(head).isGreaterThanOrEqualTo(12);
            assertThat(total.get("applied").asLong()).isEqualTo(head);
            assertThat(total.get("lag_events").asLong()).isZero();
            assertThat(lh.get("/api/progress?partition=0").statusCode()).as("takes no parameters").isEqualTo(400);
        }
    }
}
