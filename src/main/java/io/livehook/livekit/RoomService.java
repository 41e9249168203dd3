package io.livehook.livekit;

import java.util.List;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;

/**
 * LiveKit's RoomService, the two calls reconciliation needs. A failed call throws: an answer that could not
 * be had is never an empty list, or an outage would look like every room and participant gone.
 */
public interface RoomService {

    /** The rooms among {@code names} that LiveKit has open now. */
    List<Room> listRooms(List<String> names) throws RoomServiceException;

    /** Who is in the room now; an unknown room has nobody. */
    List<ParticipantInfo> listParticipants(String room) throws RoomServiceException;
}
