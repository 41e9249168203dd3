package io.livehook.reconcile;

import io.livehook.livekit.ResourceIds;
import io.livehook.livekit.WebhookBody;
import io.livehook.log.IncomingEvent;
import io.livehook.log.Origin;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Locale;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitWebhook.WebhookEvent;

/**
 * One change reconciliation makes, as the webhook LiveKit would have sent: the same JSON shape (camelCase,
 * int64 as strings, zero values left out), an id {@code LH_...} that LiveKit's {@code EV_...} ids never
 * collide with, appended with {@link Origin#LIVEHOOK}. {@code at} is the event's {@code createdAt}.
 */
record Correction(Kind kind, String eventId, String roomSid, String roomName, String participantSid,
        String identity, String trackSid, Instant at, byte[] body) {

    enum Kind {
        SESSION_ENDED("participant_left"),
        SESSION_OPENED("participant_joined"),
        /** A session reconciliation ended that LiveKit lists again: its end is undone. */
        SESSION_REOPENED("participant_joined"),
        TRACK_PUBLISHED("track_published"),
        TRACK_UNPUBLISHED("track_unpublished"),
        ROOM_FINISHED("room_finished"),
        /** Not reconciliation's: a room silent and empty for longer than LiveKit keeps one, with no LiveKit to ask. */
        ROOM_END_INFERRED("room_finished");

        final String eventType;

        Kind(String eventType) {
            this.eventType = eventType;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The key livehook's own events are logged under: no LiveKit key verified them. */
    static final String KEY_ID = "livehook";
    private static final SecureRandom RANDOM = new SecureRandom();

    static Correction sessionEnded(String roomSid, String roomName, ParticipantInfo participant, Instant at) {
        ParticipantInfo gone = participant.toBuilder().setState(ParticipantInfo.State.DISCONNECTED).build();
        return of(Kind.SESSION_ENDED, roomSid, roomName, gone, at);
    }

    static Correction sessionOpened(String roomSid, String roomName, ParticipantInfo participant, Instant at) {
        return of(Kind.SESSION_OPENED, roomSid, roomName, participant, at);
    }

    /** The participant as LiveKit lists it, its tracks included: the processor reopens those too. */
    static Correction sessionReopened(String roomSid, String roomName, ParticipantInfo participant, Instant at) {
        return of(Kind.SESSION_REOPENED, roomSid, roomName, participant, null, at);
    }

    static Correction trackPublished(String roomSid, String roomName, ParticipantInfo participant, TrackInfo track,
            Instant at) {
        return of(Kind.TRACK_PUBLISHED, roomSid, roomName, owner(participant), track, at);
    }

    static Correction trackUnpublished(String roomSid, String roomName, ParticipantInfo participant, TrackInfo track,
            Instant at) {
        return of(Kind.TRACK_UNPUBLISHED, roomSid, roomName, owner(participant), track, at);
    }

    static Correction roomFinished(String roomSid, String roomName, Instant at) {
        return of(Kind.ROOM_FINISHED, roomSid, roomName, null, null, at);
    }

    /**
     * The room's timeout that ran out rides in the body's room, so that the processor can check that the room
     * was still silent that long before {@code at}; the id's prefix tells the processor it is an inference.
     */
    static Correction roomEndInferred(String roomSid, String roomName, int emptyTimeoutS, int departureTimeoutS,
            Instant at) {
        Room.Builder room = Room.newBuilder().setName(roomName).setEmptyTimeout(emptyTimeoutS)
                .setDepartureTimeout(departureTimeoutS);
        if (!roomSid.startsWith("name:")) {
            room.setSid(roomSid);
        }
        return of(Kind.ROOM_END_INFERRED, ResourceIds.next(RANDOM, ResourceIds.INFERRED_EVENT), roomSid, room, null,
                null, at);
    }

    /** Track events carry a partial participant, as LiveKit's do: sid and identity. */
    private static ParticipantInfo owner(ParticipantInfo p) {
        return ParticipantInfo.newBuilder().setSid(p.getSid()).setIdentity(p.getIdentity()).build();
    }

    private static Correction of(Kind kind, String roomSid, String roomName, ParticipantInfo participant, Instant at) {
        return of(kind, roomSid, roomName, participant, null, at);
    }

    private static Correction of(Kind kind, String roomSid, String roomName, ParticipantInfo participant,
            TrackInfo track, Instant at) {
        Room.Builder room = Room.newBuilder().setName(roomName);
        if (!roomSid.startsWith("name:")) {
            room.setSid(roomSid); // a stand-in sid for a sid-less room is livehook's, not LiveKit's
        }
        return of(kind, ResourceIds.next(RANDOM, ResourceIds.LIVEHOOK_EVENT), roomSid, room, participant, track, at);
    }

    private static Correction of(Kind kind, String id, String roomSid, Room.Builder room, ParticipantInfo participant,
            TrackInfo track, Instant at) {
        String roomName = room.getName();
        WebhookEvent.Builder event = WebhookEvent.newBuilder().setEvent(kind.eventType).setId(id)
                .setCreatedAt(at.getEpochSecond()).setRoom(room);
        if (participant != null) {
            event.setParticipant(participant);
        }
        if (track != null) {
            event.setTrack(track);
        }
        byte[] body = WebhookBody.write(event);
        return new Correction(kind, id, roomSid, roomName, participant == null ? null : participant.getSid(),
                participant == null ? null : participant.getIdentity(), track == null ? null : track.getSid(), at,
                body);
    }

    IncomingEvent incoming(Instant now) {
        return new IncomingEvent(eventId, kind.eventType, roomName, body, now, KEY_ID, Origin.LIVEHOOK);
    }
}
