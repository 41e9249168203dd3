package io.livehook.livekit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import livekit.LivekitWebhook.WebhookEvent;

/**
 * A webhook body read and written with LiveKit's own protobuf types. Reading accepts what every server build
 * sends: camelCase or snake_case keys, int64 as strings or numbers, unknown fields and enum names ignored,
 * absent fields read as zero values. Writing is Go protojson's default: camelCase, int64 as strings, zero
 * values left out.
 */
public final class WebhookBody {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private WebhookBody() {}

    public static WebhookEvent parse(byte[] body) throws InvalidProtocolBufferException {
        WebhookEvent.Builder builder = WebhookEvent.newBuilder();
        PARSER.merge(new String(body, StandardCharsets.UTF_8), builder);
        return builder.build();
    }

    public static byte[] write(WebhookEvent.Builder event) {
        try {
            return PRINTER.print(event).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a WebhookEvent of the SDK's own schema always prints", e);
        }
    }
}
