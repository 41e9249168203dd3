package io.livehook.process;

import com.google.protobuf.InvalidProtocolBufferException;
import io.livehook.livekit.WebhookBody;
import io.livehook.log.LoggedEvent;
import java.util.Set;
import livekit.LivekitWebhook.WebhookEvent;

/** A logged event with its body read by {@link WebhookBody#read}. */
public record LiveKitEvent(LoggedEvent logged, WebhookEvent event) {
    private static final Set<String> KNOWN_TYPES = Set.of("room_started", "room_finished", "participant_joined",
            "participant_left", "participant_connection_aborted", "track_published", "track_unpublished",
            "egress_started", "egress_updated", "egress_ended", "ingress_started", "ingress_ended");

    public static LiveKitEvent parse(LoggedEvent logged) throws InvalidProtocolBufferException {
        return new LiveKitEvent(logged, WebhookBody.read(logged.body()));
    }

    /** Whether livehook has rules for events of this type; others are recorded and listed as unknown. */
    public static boolean knownType(String type) {
        return KNOWN_TYPES.contains(type);
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
