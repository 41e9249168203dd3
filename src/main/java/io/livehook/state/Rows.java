package io.livehook.state;

import static io.livehook.state.Jdbc.nullableLong;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/** Row mappers for the state tables, shared by the write path and the query side. */
public final class Rows {
    private Rows() {}

    public static final String ROOM_COLUMNS = "sid, name, status, started_at_ms, start_source, finished_at_ms, "
            + "end_source, metadata, peak_participants, last_event_ms";
    public static final String SESSION_COLUMNS = "sid, room_sid, room_name, identity, name, kind, metadata, "
            + "joined_at_ms, start_source, left_at_ms, end_source, final_state, disconnect_reason, last_event_ms";
    public static final String TRACK_COLUMNS = "sid, participant_sid, room_sid, type, source, mime_type, name, "
            + "published_at_ms, publish_source, unpublished_at_ms, end_source";
    public static final String EGRESS_COLUMNS = "egress_id, room_sid, room_name, status, started_at_ns, ended_at_ns, "
            + "updated_at_ns, error, results";
    public static final String INGRESS_COLUMNS = "ingress_id, name, room_name, participant_identity, status, error, "
            + "started_at_ms, ended_at_ms, updated_at_ms";
    public static final String ANOMALY_COLUMNS = "kind, room_sid, room_name, participant_sid, identity, event_ids, "
            + "detail, at_ms";
    public static final String EVENT_COLUMNS = "event_id, log_partition, log_offset, event_type, known_type, queue_key, "
            + "room_sid, room_name, participant_sid, participant_identity, track_sid, egress_id, ingress_id, "
            + "created_at_ms, received_at_ms, origin, key_id, body";
    public static final String DEAD_LETTER_COLUMNS = "event_id, log_partition, log_offset, event_type, queue_key, "
            + "error, attempts, status, first_failed_ms, last_failed_ms";

    public static Room room(ResultSet rs) throws SQLException {
        return new Room(rs.getString("sid"), rs.getString("name"), rs.getString("status"),
                nullableLong(rs, "started_at_ms"), rs.getString("start_source"), nullableLong(rs, "finished_at_ms"),
                rs.getString("end_source"), rs.getString("metadata"), rs.getInt("peak_participants"),
                rs.getLong("last_event_ms"));
    }

    public static Session session(ResultSet rs) throws SQLException {
        return new Session(rs.getString("sid"), rs.getString("room_sid"), rs.getString("room_name"),
                rs.getString("identity"), rs.getString("name"), rs.getString("kind"), rs.getString("metadata"),
                nullableLong(rs, "joined_at_ms"), rs.getString("start_source"), nullableLong(rs, "left_at_ms"),
                rs.getString("end_source"), rs.getString("final_state"), rs.getString("disconnect_reason"),
                rs.getLong("last_event_ms"));
    }

    public static Track track(ResultSet rs) throws SQLException {
        return new Track(rs.getString("sid"), rs.getString("participant_sid"), rs.getString("room_sid"),
                rs.getString("type"), rs.getString("source"), rs.getString("mime_type"), rs.getString("name"),
                nullableLong(rs, "published_at_ms"), rs.getString("publish_source"),
                nullableLong(rs, "unpublished_at_ms"), rs.getString("end_source"));
    }

    public static Egress egress(ResultSet rs) throws SQLException {
        return new Egress(rs.getString("egress_id"), rs.getString("room_sid"), rs.getString("room_name"),
                rs.getString("status"), nullableLong(rs, "started_at_ns"), nullableLong(rs, "ended_at_ns"),
                rs.getLong("updated_at_ns"), rs.getString("error"), rs.getString("results"));
    }

    public static Ingress ingress(ResultSet rs) throws SQLException {
        return new Ingress(rs.getString("ingress_id"), rs.getString("name"), rs.getString("room_name"),
                rs.getString("participant_identity"), rs.getString("status"), rs.getString("error"),
                nullableLong(rs, "started_at_ms"), nullableLong(rs, "ended_at_ms"), rs.getLong("updated_at_ms"));
    }

    public static Anomaly anomaly(ResultSet rs) throws SQLException {
        String ids = rs.getString("event_ids");
        List<String> eventIds = ids.isEmpty() ? List.of() : Arrays.asList(ids.split(","));
        return new Anomaly(rs.getString("kind"), rs.getString("room_sid"), rs.getString("room_name"),
                rs.getString("participant_sid"), rs.getString("identity"), eventIds, rs.getString("detail"),
                rs.getLong("at_ms"));
    }

    public static StoredEvent event(ResultSet rs) throws SQLException {
        return new StoredEvent(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getInt("known_type") != 0, rs.getString("queue_key"),
                rs.getString("room_sid"), rs.getString("room_name"), rs.getString("participant_sid"),
                rs.getString("participant_identity"), rs.getString("track_sid"), rs.getString("egress_id"),
                rs.getString("ingress_id"), nullableLong(rs, "created_at_ms"), rs.getLong("received_at_ms"),
                rs.getString("origin"), rs.getString("key_id"), rs.getBytes("body"));
    }

    public static DeadLetter deadLetter(ResultSet rs) throws SQLException {
        return new DeadLetter(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getString("queue_key"), rs.getString("error"), rs.getInt("attempts"),
                rs.getString("status"), rs.getLong("first_failed_ms"), rs.getLong("last_failed_ms"));
    }
}
