package io.livehook.dashboard;

import io.livehook.state.Room;
import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateQueries.RoomDetail;
import io.livehook.state.StateQueries.RoomFigures;
import io.livehook.state.StateQueries.TimelineEntry;
import java.util.List;

/** One room's story: figures, the timeline drawing, its anomalies, and every event down to its body. */
final class RoomPage {
    private RoomPage() {}

    static String render(RoomDetail detail, List<TimelineEntry> events, boolean moreEvents,
            List<AnomalyRecord> anomalies, long now, Layout.Viewer viewer) {
        Room room = detail.summary().room();
        RoomFigures f = detail.summary().figures();
        String name = room.name().isEmpty() ? "(no name)" : room.name();
        return Layout.page("Room " + PageText.cut(name, 60), Layout.ROOMS, viewer, h -> {
            h.open("h1").text("Room ").el("span", name, "class", "room-name").raw(" ");
            Layout.badge(h, room.status(), room.active() ? "active" : "finished");
            h.close("h1");

            h.open("dl", "class", "facts");
            fact(h, "sid", room.sid(), "mono");
            h.open("div").el("dt", "started").open("dd").text(PageText.dateTime(room.startedAtMs()));
            RoomsPage.inferred(h, room.startSource(), "room_started");
            h.close("dd").close("div");
            h.open("div").el("dt", "finished").open("dd").text(room.active() ? "still active"
                    : PageText.dateTime(room.finishedAtMs()));
            if (!room.active()) {
                RoomsPage.inferred(h, room.endSource(), "room_finished");
            }
            h.close("dd").close("div");
            fact(h, "duration", PageText.duration(f.durationMs()), null);
            fact(h, "participants now", f.currentParticipants() + (detail.currentParticipants().isEmpty() ? ""
                    : " (" + String.join(", ", detail.currentParticipants()) + ")"), null);
            fact(h, "peak", Integer.toString(f.peakParticipants()), null);
            fact(h, "sessions", f.sessions() + " of " + f.identities() + " identit"
                    + (f.identities() == 1 ? "y" : "ies"), null);
            fact(h, "participant-minutes", PageText.decimal(f.participantMinutes()), null);
            fact(h, "last event", PageText.ago(room.lastEventMs(), now), null);
            if (room.metadata() != null && !room.metadata().isEmpty()) {
                fact(h, "metadata", PageText.cut(room.metadata(), 300), "mono");
            }
            h.close("dl");

            h.el("h2", "Timeline");
            h.open("div", "class", "timeline-wrap");
            h.raw(TimelineSvg.render(detail, events, anomalies, now));
            h.close("div");
            legend(h);
            if (moreEvents) {
                h.el("p", "Only the first " + events.size() + " events are drawn and listed; the API pages through "
                        + "the rest (/api/rooms/{room}/timeline).", "class", "note");
            }

            sessions(h, detail);

            h.el("h2", "Anomalies (" + anomalies.size() + ")");
            if (anomalies.isEmpty()) {
                h.el("p", "None: every fact of this room came from its own event.", "class", "empty");
            } else {
                h.open("table", "class", "grid", "id", "anomalies").open("thead").open("tr");
                for (String c : List.of("At", "Kind", "Participant", "Detail", "Events")) {
                    h.el("th", c);
                }
                h.close("tr").close("thead").open("tbody");
                for (AnomalyRecord r : anomalies) {
                    var a = r.anomaly();
                    h.open("tr", "data-kind", a.kind());
                    h.el("td", PageText.millis(a.atMs()), "class", "nowrap");
                    h.open("td");
                    Layout.badge(h, a.kind(), "anomaly");
                    h.close("td");
                    h.open("td").text(a.identity() == null ? "—" : a.identity());
                    if (a.participantSid() != null) {
                        h.el("div", a.participantSid(), "class", "sub mono");
                    }
                    h.close("td");
                    h.el("td", a.detail());
                    h.open("td");
                    for (String id : a.eventIds()) {
                        h.el("a", id, "href", Html.path(Dashboard.BASE + "/events", id), "class", "mono").raw(" ");
                    }
                    h.close("td").close("tr");
                }
                h.close("tbody").close("table");
            }

            h.el("h2", "Events (" + events.size() + (moreEvents ? "+" : "") + ")");
            h.el("p", "In log order. Click an event for its exact body and how it was verified.", "class", "note");
            h.open("table", "class", "grid events", "id", "events").open("thead").open("tr");
            for (String c : List.of("#", "Happened (createdAt)", "Received", "Type", "Participant", "Track",
                    "Anomalies")) {
                h.el("th", c);
            }
            h.close("tr").close("thead").open("tbody");
            int n = 0;
            for (TimelineEntry entry : events) {
                EventSummary e = entry.event();
                String href = Html.path(Dashboard.BASE + "/events", e.eventId());
                h.open("tr", "class", "event-row" + (entry.anomalies().isEmpty() ? "" : " anomalous"),
                        "data-href", href, "data-event", e.eventId());
                h.el("td", ++n, "class", "num");
                h.el("td", PageText.millis(e.createdAtMs()), "class", "nowrap");
                h.el("td", PageText.millis(e.receivedAtMs()), "class", "nowrap");
                h.open("td").el("a", e.eventType(), "href", href, "class", "event-link");
                if (!e.knownType()) {
                    h.raw(" ");
                    Layout.badge(h, "unknown type", "muted");
                }
                h.el("div", e.eventId(), "class", "sub mono").close("td");
                h.open("td").text(e.participantIdentity() == null ? "" : e.participantIdentity());
                if (e.participantSid() != null) {
                    h.el("div", e.participantSid(), "class", "sub mono");
                }
                h.close("td");
                h.el("td", e.trackSid() == null ? "" : e.trackSid(), "class", "mono");
                h.open("td");
                for (AnomalyRecord a : entry.anomalies()) {
                    Layout.badge(h, a.anomaly().kind(), "anomaly");
                    h.raw(" ");
                }
                h.close("td").close("tr");
            }
            h.close("tbody").close("table");
        });
    }

    private static void sessions(Html h, RoomDetail detail) {
        h.el("h2", "Participant sessions (" + detail.sessions().size() + ")");
        if (detail.sessions().isEmpty()) {
            h.el("p", "No participant seen in this room.", "class", "empty");
            return;
        }
        h.open("table", "class", "grid", "id", "sessions").open("thead").open("tr");
        for (String c : List.of("Identity", "Name", "Joined", "Left", "Duration", "Final state", "Tracks")) {
            h.el("th", c);
        }
        h.close("tr").close("thead").open("tbody");
        for (var span : detail.sessions()) {
            var s = span.session();
            long tracks = detail.tracks().stream().filter(t -> s.sid().equals(t.participantSid())).count();
            h.open("tr", "data-session", s.sid());
            h.open("td").text(s.identity()).el("div", s.sid(), "class", "sub mono").close("td");
            h.el("td", PageText.cut(s.name(), 200), "class", "participant-name");
            h.open("td", "class", "nowrap").text(PageText.dateTime(s.joinedAtMs()));
            RoomsPage.inferred(h, s.startSource(), "participant_joined");
            h.close("td");
            h.open("td", "class", "nowrap").text(s.open() ? "still in" : PageText.dateTime(s.leftAtMs()));
            if (!s.open() && !"connection_aborted".equals(s.endSource())) {
                RoomsPage.inferred(h, s.endSource(), "participant_left");
            } else if (!s.open()) {
                h.raw(" ");
                Layout.badge(h, "connection aborted", "muted");
            }
            h.close("td");
            h.el("td", PageText.duration(span.durationMs()), "class", "num");
            h.el("td", (s.finalState() == null ? "" : s.finalState())
                    + (s.disconnectReason() == null ? "" : " · " + s.disconnectReason()));
            h.el("td", tracks, "class", "num");
            h.close("tr");
        }
        h.close("tbody").close("table");
    }

    private static void fact(Html h, String name, String value, String cls) {
        h.open("div").el("dt", name).el("dd", value, "class", cls).close("div");
    }

    private static void legend(Html h) {
        h.open("div", "class", "legend");
        h.raw("<svg class=\"legend-svg\" width=\"40\" height=\"14\" viewBox=\"0 0 40 14\"><rect class=\"bar-body "
                + "legend-session\" x=\"0\" y=\"2\" width=\"40\" height=\"10\"/></svg>");
        h.el("span", "participant session");
        h.raw("<svg class=\"legend-svg\" width=\"40\" height=\"14\" viewBox=\"0 0 40 14\"><rect class=\"bar-body "
                + "legend-audio\" x=\"0\" y=\"4\" width=\"40\" height=\"6\"/></svg>");
        h.el("span", "audio track");
        h.raw("<svg class=\"legend-svg\" width=\"40\" height=\"14\" viewBox=\"0 0 40 14\"><rect class=\"bar-body "
                + "legend-video\" x=\"0\" y=\"4\" width=\"40\" height=\"6\"/></svg>");
        h.el("span", "video track");
        h.raw("<svg class=\"legend-svg\" width=\"40\" height=\"14\" viewBox=\"0 0 40 14\"><rect class=\"bar-body "
                + "legend-session\" x=\"0\" y=\"2\" width=\"40\" height=\"10\"/><rect class=\"inferred-end\" x=\"0\" "
                + "y=\"2\" width=\"14\" height=\"10\"/></svg>");
        h.el("span", "hatched end: inferred, its own event never came");
        h.raw("<svg class=\"legend-svg\" width=\"40\" height=\"14\" viewBox=\"0 0 40 14\"><rect class=\"bar-body "
                + "legend-session\" x=\"0\" y=\"2\" width=\"30\" height=\"10\"/><path class=\"open-end\" "
                + "d=\"M30,0 L37,7 L30,14 Z\"/></svg>");
        h.el("span", "still open");
        h.raw("<svg class=\"legend-svg\" width=\"16\" height=\"16\" viewBox=\"0 0 16 16\"><path class=\"anomaly-marker\" "
                + "d=\"M8,0 L15,8 L8,16 L1,8 Z\"/></svg>");
        h.el("span", "anomaly (hover for detail)");
        h.close("div");
    }
}
