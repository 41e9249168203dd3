package io.livehook.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RoomServiceClientTest {

    @Test
    void liveKitsWebSocketAddressMapsToItsApi() {
        assertThat(RoomServiceClient.httpBase("wss://demo.livekit.cloud/")).isEqualTo(URI.create("https://demo.livekit.cloud"));
        assertThat(RoomServiceClient.httpBase("ws://127.0.0.1:7880")).isEqualTo(URI.create("http://127.0.0.1:7880"));
        assertThat(RoomServiceClient.httpBase("https://demo.livekit.cloud")).isEqualTo(URI.create("https://demo.livekit.cloud"));
    }
}
