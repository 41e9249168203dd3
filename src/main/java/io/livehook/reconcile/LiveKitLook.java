package io.livehook.reconcile;

import io.livehook.livekit.RoomService;
import io.livehook.livekit.RoomServiceException;
import io.livehook.state.Room;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import livekit.LivekitModels.ParticipantInfo;

/**
 * Asking LiveKit about rooms, within one pass: ListRooms for their names, then ListParticipants for each room
 * LiveKit still has, every call spaced by the rate limit and counted.
 */
final class LiveKitLook {
    private static final int NAMES_PER_LIST = 100;

    /** LiveKit's answer about one room at one moment. */
    record Answer(boolean listed, List<ParticipantInfo> participants, Instant askedAt) {
        Optional<ParticipantInfo> participant(String sid) {
            return participants.stream().filter(p -> p.getSid().equals(sid)).findFirst();
        }
    }

    private final RoomService service;
    private final RateLimiter limiter;
    private final ReconcileMetrics metrics;
    private final Clock clock;
    int requests;
    int listed;

    LiveKitLook(RoomService service, RateLimiter limiter, ReconcileMetrics metrics, Clock clock) {
        this.service = service;
        this.limiter = limiter;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** What LiveKit says about each of the rooms now, by room sid. */
    Map<String, Answer> at(List<Room> rooms) throws RoomServiceException, InterruptedException {
        List<String> names = rooms.stream().map(Room::name).distinct().toList();
        Map<String, Set<String>> liveSidsByName = new HashMap<>();
        Map<String, Instant> askedByName = new HashMap<>();
        for (int from = 0; from < names.size(); from += NAMES_PER_LIST) {
            List<String> chunk = names.subList(from, Math.min(names.size(), from + NAMES_PER_LIST));
            limiter.acquire();
            Instant asked = clock.instant();
            List<livekit.LivekitModels.Room> live = call("ListRooms", () -> service.listRooms(chunk));
            chunk.forEach(n -> askedByName.put(n, asked));
            live.forEach(r -> liveSidsByName.computeIfAbsent(r.getName(), n -> new LinkedHashSet<>()).add(r.getSid()));
        }
        Map<String, Answer> answers = new HashMap<>();
        for (Room room : rooms) {
            Set<String> liveSids = liveSidsByName.getOrDefault(room.name(), Set.of());
            // A room reopened under the same name has a new sid: the one livehook has is gone.
            boolean listedNow = room.sid().startsWith("name:") ? !liveSids.isEmpty() : liveSids.contains(room.sid());
            if (!listedNow) {
                answers.put(room.sid(), new Answer(false, List.of(), askedByName.get(room.name())));
                continue;
            }
            limiter.acquire();
            Instant asked = clock.instant();
            List<ParticipantInfo> participants = call("ListParticipants", () -> service.listParticipants(room.name()));
            listed += participants.size();
            answers.put(room.sid(), new Answer(true, participants, asked));
        }
        return answers;
    }

    private <T> T call(String method, RoomServiceCall<T> call) throws RoomServiceException {
        requests++;
        try {
            T answer = call.run();
            metrics.request(method, "ok");
            return answer;
        } catch (RoomServiceException e) {
            metrics.request(method, "error");
            throw e;
        }
    }

    @FunctionalInterface
    private interface RoomServiceCall<T> {
        T run() throws RoomServiceException;
    }
}
