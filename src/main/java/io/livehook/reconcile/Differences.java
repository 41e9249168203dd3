package io.livehook.reconcile;

import io.livehook.state.Room;
import io.livehook.state.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import livekit.LivekitModels.ParticipantInfo;

/**
 * The race rule. LiveKit's answer is a snapshot taken at one moment while webhooks are still on their way, so a
 * difference is acted on only when it cannot be a race:
 * <ul>
 *   <li>A session livehook has open is <b>ended</b> only if (a) ListParticipants answered, (b) without it,
 *       (c) livehook last heard of the participant (any event's LiveKit time or arrival, whichever is later)
 *       more than {@code grace} before that list was requested, and (d) a second ListParticipants after
 *       {@code settle} still omits it while livehook still has it open. Its end time is when the first list
 *       that omitted it was requested: LiveKit knew it gone by then, and no later.</li>
 *   <li>A participant LiveKit lists (JOINED or ACTIVE; a JOINING one may still abort) that livehook has never
 *       heard of is <b>opened</b> only if the second list still has it and livehook still does not know it
 *       after {@code settle}: its participant_joined may be in flight. Its join time is LiveKit's
 *       {@code joined_at_ms}.</li>
 *   <li>A room livehook has active is <b>finished</b> only if ListRooms omits it twice, {@code settle}
 *       apart, and livehook last heard of it more than {@code grace} before the first ListRooms; its end
 *       time is when that first ListRooms was requested.</li>
 * </ul>
 * The processor checks once more when it applies each correction (see EventRules): a session or room with an
 * event newer than the list is left alone.
 */
final class Differences {
    private final List<Room> gone = new ArrayList<>();
    private final Map<Room, List<Session>> leaving = new LinkedHashMap<>();
    private final Map<Room, List<ParticipantInfo>> arriving = new LinkedHashMap<>();
    private int deferred;

    private Differences() {}

    /**
     * What the first look shows differing and old enough not to be a webhook in flight. Called after LiveKit
     * answered: whatever livehook learnt since is recent, and the grace spares it.
     */
    static Differences find(List<Room> rooms, Map<String, LiveKitLook.Answer> first, KnownState known,
            Duration grace) {
        Differences found = new Differences();
        for (Room room : rooms) {
            LiveKitLook.Answer look = first.get(room.sid());
            long graceEndMs = look.askedAt().minus(grace).toEpochMilli();
            if (!look.listed()) {
                if (known.roomLastHeardMs(room) < graceEndMs) {
                    found.gone.add(room);
                } else {
                    found.deferred++;
                }
                continue;
            }
            KnownState.RoomSessions sessions = known.sessions(room.sid());
            for (Session s : sessions.open()) {
                if (look.participant(s.sid()).isEmpty()) {
                    if (sessions.lastHeardMs(s) < graceEndMs) {
                        found.leaving.computeIfAbsent(room, r -> new ArrayList<>()).add(s);
                    } else {
                        found.deferred++;
                    }
                }
            }
            Set<String> knownSids = sessions.sids();
            for (ParticipantInfo p : look.participants()) {
                if (connected(p) && !knownSids.contains(p.getSid())) {
                    found.arriving.computeIfAbsent(room, r -> new ArrayList<>()).add(p);
                }
            }
        }
        return found;
    }

    boolean isEmpty() {
        return gone.isEmpty() && leaving.isEmpty() && arriving.isEmpty();
    }

    /** The rooms to look at again. */
    List<Room> rooms() {
        Set<Room> again = new LinkedHashSet<>(gone);
        again.addAll(leaving.keySet());
        again.addAll(arriving.keySet());
        return List.copyOf(again);
    }

    /** Differences left for a later pass: too recent, or gone on the second look. */
    int deferred() {
        return deferred;
    }

    /** The second look: what is still missing or still unknown, in LiveKit and in livehook alike, is corrected. */
    List<Correction> confirm(Map<String, LiveKitLook.Answer> first, Map<String, LiveKitLook.Answer> second,
            KnownState known) {
        List<Correction> out = new ArrayList<>();
        for (Room room : gone) {
            boolean stillActive = known.room(room.sid()).map(Room::active).orElse(false);
            if (!second.get(room.sid()).listed() && stillActive) {
                out.add(Correction.roomFinished(room.sid(), room.name(), first.get(room.sid()).askedAt()));
            } else {
                deferred++;
            }
        }
        for (Map.Entry<Room, List<Session>> entry : leaving.entrySet()) {
            Room room = entry.getKey();
            LiveKitLook.Answer again = second.get(room.sid());
            KnownState.RoomSessions now = known.sessions(room.sid());
            for (Session s : entry.getValue()) {
                boolean stillOpen = now.open().stream().anyMatch(o -> o.sid().equals(s.sid()));
                // A room gone by now is left to the next pass, which finishes it whole.
                if (again.listed() && again.participant(s.sid()).isEmpty() && stillOpen) {
                    out.add(Correction.sessionEnded(room.sid(), room.name(), info(s), first.get(room.sid()).askedAt()));
                } else {
                    deferred++;
                }
            }
        }
        for (Map.Entry<Room, List<ParticipantInfo>> entry : arriving.entrySet()) {
            Room room = entry.getKey();
            LiveKitLook.Answer again = second.get(room.sid());
            Set<String> knownSids = known.sessions(room.sid()).sids();
            for (ParticipantInfo p : entry.getValue()) {
                Optional<ParticipantInfo> still = again.participant(p.getSid()).filter(Differences::connected);
                if (still.isPresent() && !knownSids.contains(p.getSid())) {
                    out.add(Correction.sessionOpened(room.sid(), room.name(), still.get(), again.askedAt()));
                } else {
                    deferred++;
                }
            }
        }
        return out;
    }

    /** JOINING participants are left out: LiveKit sends participant_joined only once they are active. */
    private static boolean connected(ParticipantInfo p) {
        return p.getState() == ParticipantInfo.State.JOINED || p.getState() == ParticipantInfo.State.ACTIVE;
    }

    private static ParticipantInfo info(Session s) {
        ParticipantInfo.Builder info = ParticipantInfo.newBuilder().setSid(s.sid()).setIdentity(s.identity())
                .setName(s.name()).setMetadata(s.metadata());
        try {
            info.setKind(ParticipantInfo.Kind.valueOf(s.kind()));
        } catch (IllegalArgumentException unknownKind) {
            // a kind newer than the SDK's schema: the body leaves it out
        }
        if (s.joinedAtMs() != null) {
            info.setJoinedAt(s.joinedAtMs() / 1000).setJoinedAtMs(s.joinedAtMs());
        }
        return info.build();
    }
}
