package io.livehook.deliver;

import io.livehook.config.DestinationConfig;
import java.time.Clock;
import java.util.Map;

/** Signs one outgoing request: the headers that prove it comes from livehook, made fresh per attempt. */
public interface RequestSigner {

    Map<String, String> headers(String eventId, byte[] body);

    static RequestSigner of(DestinationConfig.Signing signing, Clock clock) {
        return switch (signing.mode()) {
            case LIVEKIT -> new LiveKitRequestSigner(signing, clock);
            case STANDARD_WEBHOOKS -> new StandardWebhooksSigner(signing.secret(), clock);
        };
    }
}
