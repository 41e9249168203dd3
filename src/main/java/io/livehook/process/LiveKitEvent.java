package io.livehook.process;

import com.google.protobuf.InvalidProtocolBufferException;
import io.livehook.livekit.WebhookBody;
import io.livehook.log.LoggedEvent;
import livekit.LivekitWebhook.WebhookEvent;

/** A logged event with its body read by {@link WebhookBody}. */
public record LiveKitEvent(LoggedEvent logged, WebhookEvent event) {

    public static LiveKitEvent parse(LoggedEvent logged) throws InvalidProtocolBufferException {
        return new LiveKitEvent(logged, WebhookBody.parse(logged.body()));
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
