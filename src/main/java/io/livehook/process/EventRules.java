package io.livehook.process;

import io.livehook.log.Origin;
import io.livehook.state.Anomaly;
import java.sql.SQLException;
import java.util.List;

/**
 * How one event changes the state. The stream duplicates, reorders and drops, so every rule accepts
 * any order: an end is never undone by a late start, facts from an event's own kind beat inferences,
 * and each inference is written down as an anomaly. Rules use only event times, never the wall clock,
 * so replaying the log gives the same state.
 *
 * <p>Events livehook wrote itself ({@link Origin#LIVEHOOK}: reconciliation's corrections, made from
 * LiveKit's RoomService answers) only fill gaps: each applies only if the state is still as it was
 * when the correction was decided, is marked {@value #RECONCILED}, and gives way to LiveKit's own
 * event for the same fact whenever that arrives.
 *
 * <p>The rules are split by what they change: {@link RoomRules}, {@link ParticipantRules}, {@link TrackRules},
 * {@link EgressIngressRules} and {@link CorrectionRules}, over one {@link RuleContext} per event.
 */
final class EventRules {
    static final String RECONCILED = "reconciled";
    static final String INFERRED = "inferred";

    private EventRules() {}

    /** Applies the event; returns the anomalies it recorded. */
    static List<Anomaly> apply(BatchState state, LiveKitEvent e) throws SQLException {
        state.applying(e);
        RuleContext ctx = new RuleContext(state, e);
        if (e.logged().origin() == Origin.LIVEHOOK) {
            ctx.corrections.correction();
            return ctx.anomalies;
        }
        switch (e.type()) {
            case "room_started" -> ctx.rooms.roomStarted();
            case "room_finished" -> ctx.rooms.roomFinished();
            case "participant_joined" -> ctx.participants.participantJoined();
            case "participant_left" -> ctx.participants.participantEnded("participant_left");
            case "participant_connection_aborted" -> ctx.participants.participantEnded("connection_aborted");
            case "track_published" -> ctx.tracks.trackPublished();
            case "track_unpublished" -> ctx.tracks.trackUnpublished();
            case "egress_started", "egress_updated", "egress_ended" -> ctx.egressAndIngress.egress();
            case "ingress_started", "ingress_ended" -> ctx.egressAndIngress.ingress();
            default -> { } // recorded and listed as unknown, nothing to change
        }
        return ctx.anomalies;
    }
}
