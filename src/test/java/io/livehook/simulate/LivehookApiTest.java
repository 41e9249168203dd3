package io.livehook.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How --verify decides livehook is done, against a stand-in that answers like livehook's endpoints. */
class LivehookApiTest {
    private final AtomicLong applied = new AtomicLong(10);
    private final AtomicLong growth = new AtomicLong();
    private final AtomicReference<String> metrics = new AtomicReference<>();
    private final AtomicReference<String> seenAuthorization = new AtomicReference<>();
    private HttpServer server;

    private LivehookApi start(Optional<String> token) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                String text = metrics.get();
                if (text == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] body = text.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.createContext("/api/event-types", exchange -> {
            try (exchange) {
                seenAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
                long count = applied.addAndGet(growth.get());
                byte[] body = ("{\"event_types\":[{\"type\":\"room_started\",\"known\":true,\"count\":" + count
                        + "},{\"type\":\"room_finished\",\"known\":true,\"count\":1}]}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return new LivehookApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), token);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void readsTheLagSummedOverPartitions() {
        String text = """
                # HELP livehook_process_lag_events events logged but not yet applied
                # TYPE livehook_process_lag_events gauge
                livehook_process_lag_events{partition="0"} 3.0
                livehook_process_lag_events{partition="1"} 4.0
                livehook_process_lag_seconds{partition="0"} 9.0
                """;
        assertThat(LivehookApi.lagIn(text)).isEqualTo(OptionalLong.of(7));
        assertThat(LivehookApi.lagIn("livehook_log_head{partition=\"0\"} 5.0\n")).isEmpty();
    }

    @Test
    void settledAtOnceWhenTheLagIsZero() throws Exception {
        metrics.set("livehook_process_lag_events{partition=\"0\"} 0.0\n");
        growth.set(5);
        LivehookApi.Settling settling = start(Optional.of(" the-token ")).awaitProcessed(Duration.ofSeconds(10));

        assertThat(settling.settled()).isTrue();
        assertThat(settling.lag()).isZero();
        assertThat(settling.waited()).isLessThan(Duration.ofSeconds(2));
        assertThat(seenAuthorization.get()).isEqualTo("Bearer the-token");
    }

    @Test
    void withoutALagMeterSettledOnceTheAppliedCountStopsChanging() throws Exception {
        LivehookApi.Settling settling = start(Optional.empty()).awaitProcessed(Duration.ofSeconds(10));

        assertThat(settling.settled()).isTrue();
        assertThat(settling.lag()).isEqualTo(-1);
        assertThat(seenAuthorization.get()).isNull();
    }

    @Test
    void notSettledWhenTheLagStaysAboveZeroUntilTheTimeout() throws Exception {
        metrics.set("livehook_process_lag_events{partition=\"0\"} 42.0\n");
        LivehookApi.Settling settling = start(Optional.empty()).awaitProcessed(Duration.ofSeconds(1));

        assertThat(settling.settled()).isFalse();
        assertThat(settling.lag()).isEqualTo(42);
    }

    @Test
    void aRefusedTokenIsReportedWithoutTheToken() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(401, -1);
            }
        });
        server.start();
        var api = new LivehookApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Optional.of("s3cret"));

        assertThatThrownBy(() -> api.awaitProcessed(Duration.ofSeconds(1))).isInstanceOf(LivehookApi.Failure.class)
                .hasMessageContaining("the API token was refused").hasMessageNotContaining("s3cret");
    }
}
