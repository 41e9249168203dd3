package io.livehook.process;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.livehook.log.LoggedEvent;
import java.nio.charset.StandardCharsets;
import livekit.LivekitWebhook.WebhookEvent;

/**
 * A logged event parsed with LiveKit's own protobuf types: camelCase or snake_case keys, int64 as strings
 * or numbers, unknown fields and enum names ignored, absent fields read as zero values.
 */
public record LiveKitEvent(LoggedEvent logged, WebhookEvent event) {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    public static LiveKitEvent parse(LoggedEvent logged) throws InvalidProtocolBufferException {
        WebhookEvent.Builder builder = WebhookEvent.newBuilder();
        PARSER.merge(new String(logged.body(), StandardCharsets.UTF_8), builder);
        return new LiveKitEvent(logged, builder.build());
    }

    public String id() {
        return logged.eventId();
    }

    public String type() {
        return logged.eventType();
    }

    /** When LiveKit says the event happened: {@code createdAt} (seconds), else when livehook received it. */
    public long atMs() {
        long createdAt = event.getCreatedAt();
        return createdAt > 0 ? createdAt * 1000 : logged.receivedAt().toEpochMilli();
    }

    /** The room the event names, wherever it carries it: egress and ingress events have their own fields. */
    public String roomName() {
        return !event.getRoom().getName().isEmpty() ? event.getRoom().getName()
                : !event.getEgressInfo().getRoomName().isEmpty() ? event.getEgressInfo().getRoomName()
                : event.getIngressInfo().getRoomName();
    }

    /** The room sid if the event carries one (ingress events do not). */
    public String roomSid() {
        return !event.getRoom().getSid().isEmpty() ? event.getRoom().getSid() : event.getEgressInfo().getRoomId();
    }
}
