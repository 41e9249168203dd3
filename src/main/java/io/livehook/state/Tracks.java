package io.livehook.state;

import static io.livehook.state.Statements.nullableLong;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** The SQL of the tracks table. */
final class Tracks {
    private Tracks() {}

    static final String COLUMNS = "sid, participant_sid, room_sid, type, source, mime_type, name, published_at_ms, "
            + "publish_source, unpublished_at_ms, end_source";
    private static final String SAVE = "INSERT INTO tracks (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (sid) DO UPDATE SET participant_sid = excluded.participant_sid, "
            + "room_sid = excluded.room_sid, type = excluded.type, source = excluded.source, "
            + "mime_type = excluded.mime_type, name = excluded.name, "
            + "published_at_ms = excluded.published_at_ms, publish_source = excluded.publish_source, "
            + "unpublished_at_ms = excluded.unpublished_at_ms, end_source = excluded.end_source";

    static Track map(ResultSet rs) throws SQLException {
        return new Track(rs.getString("sid"), rs.getString("participant_sid"), rs.getString("room_sid"),
                rs.getString("type"), rs.getString("source"), rs.getString("mime_type"), rs.getString("name"),
                nullableLong(rs, "published_at_ms"), rs.getString("publish_source"),
                nullableLong(rs, "unpublished_at_ms"), rs.getString("end_source"));
    }

    static Optional<Track> byId(Statements sql, String sid) throws SQLException {
        return sql.one("SELECT " + COLUMNS + " FROM tracks WHERE sid = ?", Tracks::map, sid);
    }

    static List<Track> byIds(Statements sql, Collection<String> sids) throws SQLException {
        return sql.in("SELECT " + COLUMNS + " FROM tracks WHERE 1 = 1", "sid", sids, Tracks::map);
    }

    /** The open tracks of the participants (sids). */
    static List<Track> openOfParticipants(Statements sql, Collection<String> participantSids) throws SQLException {
        return sql.in("SELECT " + COLUMNS + " FROM tracks WHERE end_source IS NULL", "participant_sid",
                participantSids, Tracks::map);
    }

    static List<Track> ofRoom(Statements sql, String roomSid) throws SQLException {
        return sql.list("SELECT " + COLUMNS + " FROM tracks WHERE room_sid = ? "
                + "ORDER BY COALESCE(published_at_ms, unpublished_at_ms, 0), sid", Tracks::map, roomSid);
    }

    /** Saves the rows in one batch. */
    static void saveAll(Statements sql, Collection<Track> rows) throws SQLException {
        List<Object[]> params = new ArrayList<>(rows.size());
        for (Track t : rows) {
            params.add(row(t));
        }
        sql.batch(SAVE, params);
    }

    private static Object[] row(Track t) {
        return new Object[] {t.sid(), t.participantSid(), t.roomSid(), t.type(), t.source(), t.mimeType(), t.name(),
                t.publishedAtMs(), t.publishSource(), t.unpublishedAtMs(), t.endSource()};
    }
}
