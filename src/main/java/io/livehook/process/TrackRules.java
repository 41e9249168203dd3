package io.livehook.process;

import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.Track;
import java.sql.SQLException;
import java.util.Optional;
import livekit.LivekitModels.TrackInfo;

/** How track_published and track_unpublished change tracks; a track outlives neither itself nor its participant. */
final class TrackRules {
    private final RuleContext ctx;
    private final BatchState state;
    private final LiveKitEvent e;

    TrackRules(RuleContext ctx) {
        this.ctx = ctx;
        this.state = ctx.state;
        this.e = ctx.e;
    }

    void trackPublished() throws SQLException {
        Room room = ctx.ensureRoom();
        Session session = ctx.participants.ensureSession(room);
        TrackInfo info = e.event().getTrack();
        Optional<Track> existing = state.track(info.getSid());
        long publishedMs = existing.map(Track::publishedAtMs).filter(at -> at != null).orElse(e.atMs());
        Track track = new Track(info.getSid(), session.sid(), room.sid(), info.getType().name(),
                info.getSource().name(), info.getMimeType(), info.getName(), publishedMs, "track_published",
                existing.map(Track::unpublishedAtMs).orElse(null), existing.map(Track::endSource).orElse(null));
        if (track.open() && !session.open()) {
            track = endedTrack(track, session.leftAtMs(), session.endSource());
        }
        if (!track.open()) {
            ctx.anomaly(AnomalyKind.PUBLISH_AFTER_END, room, session.sid(), session.identity(),
                    "track_published for " + info.getSid() + " after it or its participant ended; it stays ended");
        }
        state.saveTrack(track);
    }

    void trackUnpublished() throws SQLException {
        Room room = ctx.ensureRoom();
        Session session = ctx.participants.ensureSession(room);
        TrackInfo info = e.event().getTrack();
        Optional<Track> existing = state.track(info.getSid());
        if (existing.isEmpty()) {
            state.saveTrack(new Track(info.getSid(), session.sid(), room.sid(), info.getType().name(),
                    info.getSource().name(), info.getMimeType(), info.getName(), null, "inferred", e.atMs(),
                    "track_unpublished"));
            ctx.anomaly(AnomalyKind.UNPUBLISH_WITHOUT_PUBLISH, room, session.sid(), session.identity(),
                    "track_unpublished for " + info.getSid() + " never seen published");
            return;
        }
        Track track = existing.get();
        if ("track_unpublished".equals(track.endSource())) {
            return;
        }
        state.saveTrack(endedTrack(track, e.atMs(), "track_unpublished"));
    }

    static Track endedTrack(Track t, Long atMs, String endSource) {
        return new Track(t.sid(), t.participantSid(), t.roomSid(), t.type(), t.source(), t.mimeType(), t.name(),
                t.publishedAtMs(), t.publishSource(), atMs, endSource);
    }
}
