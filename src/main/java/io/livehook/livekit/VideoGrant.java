package io.livehook.livekit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The grants of an API token's {@code video} claim that livehook uses: {@code roomList} to list rooms,
 * {@code roomAdmin} with {@code room} = that room's name to list its participants.
 */
public record VideoGrant(boolean roomList, boolean roomAdmin, String room) {

    public static VideoGrant listRooms() {
        return new VideoGrant(true, false, null);
    }

    public static VideoGrant adminOf(String room) {
        return new VideoGrant(false, true, room);
    }

    /** The claim as LiveKit reads it: only the grants given. */
    Map<String, Object> claim() {
        Map<String, Object> claim = new LinkedHashMap<>();
        if (roomList) {
            claim.put("roomList", true);
        }
        if (roomAdmin) {
            claim.put("roomAdmin", true);
        }
        if (room != null) {
            claim.put("room", room);
        }
        return claim;
    }

    static VideoGrant of(Map<String, Object> claim) {
        return new VideoGrant(Boolean.TRUE.equals(claim.get("roomList")), Boolean.TRUE.equals(claim.get("roomAdmin")),
                claim.get("room") instanceof String room ? room : null);
    }
}
