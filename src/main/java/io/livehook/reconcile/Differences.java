package io.livehook.reconcile;

import io.livehook.state.Room;
import io.livehook.state.Session;
import java.time.Duration;
import io.livehook.state.Track;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;

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
 *   <li>A session reconciliation ended whose participant (same sid) LiveKit lists again, on both looks, is
 *       <b>reopened</b>: the end was wrong (a participant can be missing from one list, and from the next
 *       after {@code settle}, while still connected). The processor records it as an anomaly.</li>
 *   <li>A track livehook has published whose participant LiveKit lists without it is <b>unpublished</b> under
 *       the session rule: grace since livehook last heard of the participant (its track events included), and
 *       still missing from the second list. A track LiveKit lists that livehook has never heard of is
 *       <b>published</b> if the second list still has it and livehook still lacks it. Either is stamped with
 *       the time of the first list that showed it.</li>
 *   <li>A room livehook has active is <b>finished</b> only if ListRooms omits it twice, {@code settle}
 *       apart, and livehook last heard of it more than {@code grace} before the first ListRooms; its end
 *       time is when that first ListRooms was requested.</li>
 * </ul>
 * The processor checks once more when it applies each correction (see EventRules): a session or room with an
 * event newer than the list is left alone.
 */
final class Differences {
    private static final String RECONCILED = "reconciled";
    private final List<Room> gone = new ArrayList<>();
    private final Map<Room, List<Session>> leaving = new LinkedHashMap<>();
    private final Map<Room, List<ParticipantInfo>> arriving = new LinkedHashMap<>();
    private final Map<Room, List<ParticipantInfo>> returning = new LinkedHashMap<>();
    private final Map<Room, List<TrackChange>> publishing = new LinkedHashMap<>();
    private final Map<Room, List<TrackChange>> unpublishing = new LinkedHashMap<>();

    /** A track of a listed participant that differs: as LiveKit lists it, or as livehook has it. */
    private record TrackChange(ParticipantInfo participant, TrackInfo track) {}
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
            Map<String, Track> tracks = known.tracks(room.sid());
            for (ParticipantInfo p : look.participants()) {
                if (!connected(p)) {
                    continue;
                }
                Optional<Session> session = sessions.session(p.getSid());
                if (session.isEmpty()) {
                    found.arriving.computeIfAbsent(room, r -> new ArrayList<>()).add(p);
                } else if (endedByReconciliation(session.get())) {
                    found.returning.computeIfAbsent(room, r -> new ArrayList<>()).add(p);
                } else if (session.get().open()) {
                    found.tracksOf(room, p, session.get(), tracks, sessions.lastHeardMs(session.get()) < graceEndMs);
                }
            }
        }
        return found;
    }

    private void tracksOf(Room room, ParticipantInfo p, Session s, Map<String, Track> known, boolean pastGrace) {
        Set<String> listed = new HashSet<>();
        for (TrackInfo t : p.getTracksList()) {
            listed.add(t.getSid());
            if (!known.containsKey(t.getSid())) {
                publishing.computeIfAbsent(room, r -> new ArrayList<>()).add(new TrackChange(p, t));
            }
        }
        for (Track t : known.values()) {
            if (t.open() && t.participantSid().equals(s.sid()) && !listed.contains(t.sid())) {
                if (pastGrace) {
                    unpublishing.computeIfAbsent(room, r -> new ArrayList<>()).add(new TrackChange(p, info(t)));
                } else {
                    deferred++;
                }
            }
        }
    }

    private static boolean endedByReconciliation(Session s) {
        return !s.open() && RECONCILED.equals(s.endSource());
    }

    boolean isEmpty() {
        return gone.isEmpty() && leaving.isEmpty() && arriving.isEmpty() && returning.isEmpty()
                && publishing.isEmpty() && unpublishing.isEmpty();
    }

    /** The rooms to look at again. */
    List<Room> rooms() {
        Set<Room> again = new LinkedHashSet<>(gone);
        again.addAll(leaving.keySet());
        again.addAll(arriving.keySet());
        again.addAll(returning.keySet());
        again.addAll(publishing.keySet());
        again.addAll(unpublishing.keySet());
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
        for (Map.Entry<Room, List<ParticipantInfo>> entry : returning.entrySet()) {
            Room room = entry.getKey();
            LiveKitLook.Answer again = second.get(room.sid());
            KnownState.RoomSessions now = known.sessions(room.sid());
            for (ParticipantInfo p : entry.getValue()) {
                Optional<ParticipantInfo> still = again.participant(p.getSid()).filter(Differences::connected);
                if (still.isPresent() && now.session(p.getSid()).filter(Differences::endedByReconciliation).isPresent()) {
                    out.add(Correction.sessionReopened(room.sid(), room.name(), still.get(), again.askedAt()));
                } else {
                    deferred++;
                }
            }
        }
        for (Map.Entry<Room, List<TrackChange>> entry : publishing.entrySet()) {
            Room room = entry.getKey();
            LiveKitLook.Answer again = second.get(room.sid());
            Map<String, Track> now = known.tracks(room.sid());
            for (TrackChange change : entry.getValue()) {
                boolean stillListed = again.participant(change.participant().getSid())
                        .filter(p -> p.getTracksList().stream().anyMatch(t -> t.getSid().equals(change.track().getSid())))
                        .isPresent();
                if (stillListed && !now.containsKey(change.track().getSid())) {
                    out.add(Correction.trackPublished(room.sid(), room.name(), change.participant(), change.track(),
                            first.get(room.sid()).askedAt()));
                } else {
                    deferred++;
                }
            }
        }
        for (Map.Entry<Room, List<TrackChange>> entry : unpublishing.entrySet()) {
            Room room = entry.getKey();
            LiveKitLook.Answer again = second.get(room.sid());
            Map<String, Track> now = known.tracks(room.sid());
            for (TrackChange change : entry.getValue()) {
                // A participant gone by now is left to the session rule, which ends its tracks with it.
                boolean stillMissing = again.participant(change.participant().getSid())
                        .filter(p -> p.getTracksList().stream().noneMatch(t -> t.getSid().equals(change.track().getSid())))
                        .isPresent();
                Track track = now.get(change.track().getSid());
                if (stillMissing && track != null && track.open()) {
                    out.add(Correction.trackUnpublished(room.sid(), room.name(), change.participant(), change.track(),
                            first.get(room.sid()).askedAt()));
                } else {
                    deferred++;
                }
            }
        }
        return out;
    }

    private static TrackInfo info(Track t) {
        TrackInfo.Builder info = TrackInfo.newBuilder().setSid(t.sid()).setName(nullToEmpty(t.name()))
                .setMimeType(nullToEmpty(t.mimeType()));
        try {
            info.setType(TrackType.valueOf(t.type()));
            info.setSource(TrackSource.valueOf(t.source()));
        } catch (IllegalArgumentException | NullPointerException unknown) {
            // a type or source newer than the SDK's schema: the body leaves it out
        }
        return info.build();
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
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
