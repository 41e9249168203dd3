package io.livehook.dashboard;

import io.livehook.state.Room;
import io.livehook.state.StateQueries.RoomSummary;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Live rooms with their figures, and the rooms that finished most recently. */
final class RoomsPage {
    static final int REFRESH_SECONDS = 15;

    private RoomsPage() {}

    static String render(List<RoomSummary> active, boolean moreActive, List<RoomSummary> finished, long now,
            Layout.Viewer viewer) {
        return Layout.page("Rooms", Layout.ROOMS, viewer, REFRESH_SECONDS, h -> {
            int present = active.stream().mapToInt(r -> r.figures().currentParticipants()).sum();
            h.el("h1", "Rooms");
            h.el("p", active.size() + (moreActive ? "+" : "") + " active room" + (active.size() == 1 ? "" : "s")
                    + ", " + present + " participant" + (present == 1 ? "" : "s") + " in them now. "
                    + "This page refreshes every " + REFRESH_SECONDS + " s.", "class", "lead");

            h.el("h2", "Active");
            if (active.isEmpty()) {
                h.el("p", "No active rooms.", "class", "empty");
            } else {
                h.open("table", "class", "grid", "id", "active-rooms").open("thead").open("tr");
                for (String c : List.of("Room", "Started", "Duration", "Participants now", "Peak", "Sessions",
                        "Last event")) {
                    h.el("th", c);
                }
                h.close("tr").close("thead").open("tbody");
                for (RoomSummary r : active) {
                    Room room = r.room();
                    h.open("tr", "data-room", room.sid());
                    roomCell(h, room);
                    h.open("td").text(PageText.dateTime(room.startedAtMs()));
                    inferred(h, room.startSource(), "room_started");
                    h.close("td");
                    h.el("td", PageText.duration(r.figures().durationMs()), "class", "num");
                    h.el("td", r.figures().currentParticipants(), "class", "num strong");
                    h.el("td", r.figures().peakParticipants(), "class", "num");
                    h.el("td", r.figures().sessions(), "class", "num");
                    h.el("td", PageText.ago(room.lastEventMs(), now), "title", PageText.dateTime(room.lastEventMs()));
                    h.close("tr");
                }
                h.close("tbody").close("table");
                if (moreActive) {
                    h.el("p", "More active rooms than shown: see /api/rooms?status=active.", "class", "note");
                }
            }

            h.el("h2", "Recently finished");
            if (finished.isEmpty()) {
                h.el("p", "No finished rooms yet.", "class", "empty");
            } else {
                h.open("table", "class", "grid", "id", "finished-rooms").open("thead").open("tr");
                for (String c : List.of("Room", "Started", "Finished", "Duration", "Peak", "Sessions",
                        "Participant-minutes", "Egress")) {
                    h.el("th", c);
                }
                h.close("tr").close("thead").open("tbody");
                for (RoomSummary r : finished) {
                    Room room = r.room();
                    h.open("tr", "data-room", room.sid());
                    roomCell(h, room);
                    h.el("td", PageText.dateTime(room.startedAtMs()));
                    h.open("td").text(PageText.dateTime(room.finishedAtMs()));
                    inferred(h, room.endSource(), "room_finished");
                    h.close("td");
                    h.el("td", PageText.duration(r.figures().durationMs()), "class", "num");
                    h.el("td", r.figures().peakParticipants(), "class", "num");
                    h.el("td", r.figures().sessions(), "class", "num");
                    h.el("td", PageText.decimal(r.figures().participantMinutes()), "class", "num");
                    h.el("td", egress(r.figures().egressByStatus()));
                    h.close("tr");
                }
                h.close("tbody").close("table");
            }
        });
    }

    private static void roomCell(Html h, Room room) {
        h.open("td").el("a", room.name().isEmpty() ? "(no name)" : PageText.cut(room.name(), 80),
                "href", Html.path(Dashboard.BASE + "/rooms", room.sid()), "class", "room-link");
        h.el("div", room.sid(), "class", "sub mono").close("td");
    }

    /** Marks a fact not known from its own event: "inferred", or which other event told it. */
    static void inferred(Html h, String source, String ownEvent) {
        if (source != null && !source.equals(ownEvent)) {
            h.raw(" ");
            Layout.badge(h, "inferred".equals(source) ? "inferred" : "from " + source, "inferred");
        }
    }

    private static String egress(Map<String, Long> byStatus) {
        if (byStatus.isEmpty()) {
            return "—";
        }
        return byStatus.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().replaceFirst("^EGRESS_", "").toLowerCase())
                .collect(Collectors.joining(", "));
    }
}
