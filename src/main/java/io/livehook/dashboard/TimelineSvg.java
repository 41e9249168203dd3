package io.livehook.dashboard;

import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.RoomDetail;
import io.livehook.state.StateQueries.SessionSpan;
import io.livehook.state.StateQueries.TimelineEntry;
import io.livehook.state.Track;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A room's story drawn on one time axis: the room, a tick per event, a bar per participant session with its
 * tracks under it. How each end is known shows: an end livehook inferred (its own event never came) is
 * hatched, an end still open runs to now with an arrow, and every anomaly is a red diamond on its
 * participant's row (or the room's) labelled with its kind. Everything is plain SVG with classes styled by
 * the bundled CSS; every text comes through {@link Html}.
 */
final class TimelineSvg {
    static final int WIDTH = 1160;
    private static final int LABEL_WIDTH = 240;
    private static final int PLOT_LEFT = LABEL_WIDTH + 10;
    private static final int PLOT_RIGHT = WIDTH - 16;
    private static final int AXIS_HEIGHT = 30;
    private static final int ROOM_ROW = 30;
    private static final int EVENTS_ROW = 26;
    private static final int SESSION_ROW = 36;
    private static final int TRACK_ROW = 22;
    private static final int HATCH_WIDTH = 14;
    private static final double CHAR_WIDTH = TimeAxis.CHAR_WIDTH;

    private final RoomDetail detail;
    private final List<TimelineEntry> events;
    private final List<AnomalyRecord> anomalies;
    private final long now;
    private TimeAxis axis;
    private final Html h = new Html();
    /** Row centre (y) of each session sid; the room row's centre. */
    private final Map<String, Integer> sessionRows = new HashMap<>();
    private int roomRowY;
    /** Label extents already drawn per row, to keep anomaly labels from writing over each other. */
    private final Map<Integer, List<double[]>> labelsByRow = new HashMap<>();

    private TimelineSvg(RoomDetail detail, List<TimelineEntry> events, List<AnomalyRecord> anomalies, long now) {
        this.detail = detail;
        this.events = events;
        this.anomalies = anomalies;
        this.now = now;
    }

    static String render(RoomDetail detail, List<TimelineEntry> events, List<AnomalyRecord> anomalies, long now) {
        return new TimelineSvg(detail, events, anomalies, now).draw();
    }

    private String draw() {
        Room room = detail.summary().room();
        axis(room);

        // rows: room, events, then each session with its tracks; tracks of no known session last
        Map<String, List<Track>> tracksBySession = new LinkedHashMap<>();
        List<Track> orphanTracks = new ArrayList<>();
        Map<String, Boolean> known = new HashMap<>();
        detail.sessions().forEach(s -> known.put(s.session().sid(), true));
        for (Track t : detail.tracks()) {
            if (known.containsKey(t.participantSid())) {
                tracksBySession.computeIfAbsent(t.participantSid(), k -> new ArrayList<>()).add(t);
            } else {
                orphanTracks.add(t);
            }
        }
        int height = AXIS_HEIGHT + ROOM_ROW + EVENTS_ROW + detail.sessions().size() * SESSION_ROW
                + (detail.tracks().size()) * TRACK_ROW + (orphanTracks.isEmpty() ? 0 : TRACK_ROW) + 10;

        h.open("svg", "xmlns", "http://www.w3.org/2000/svg", "class", "timeline", "id", "timeline",
                "viewBox", "0 0 " + WIDTH + " " + height, "width", Integer.toString(WIDTH),
                "height", Integer.toString(height), "role", "img",
                "aria-label", "Timeline of room " + room.name());
        h.raw("<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
                + "patternTransform=\"rotate(45)\"><rect class=\"hatch-bg\" width=\"6\" height=\"6\"/>"
                + "<line class=\"hatch-line\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\"/></pattern></defs>");
        gridAndAxis(height);

        int y = AXIS_HEIGHT;
        // the room
        roomRowY = y + ROOM_ROW / 2;
        band(y, ROOM_ROW, "row-room");
        label(roomRowY, "room " + (room.name().isEmpty() ? "(no name)" : room.name()), room.sid(), "label-room");
        bar(roomRowY, 12, "bar room", room.startedAtMs(), !"room_started".equals(room.startSource()),
                room.finishedAtMs(), room.finishedAtMs() != null && !"room_finished".equals(room.endSource()),
                room.active(), "data-room", room.sid(),
                "room " + room.name() + ": " + spanText(room.startedAtMs(), room.startSource(), room.finishedAtMs(),
                        room.endSource(), room.active()));
        y += ROOM_ROW;

        // events
        int eventsY = y + EVENTS_ROW / 2;
        label(eventsY, events.size() + " event" + (events.size() == 1 ? "" : "s"), null, "label-events");
        for (TimelineEntry entry : events) {
            long at = entry.event().createdAtMs() != null ? entry.event().createdAtMs() : entry.event().receivedAtMs();
            double x = x(at);
            boolean anomalous = !entry.anomalies().isEmpty();
            h.open("a", "href", Html.path(Dashboard.BASE + "/events", entry.event().eventId()),
                    "class", "tick-link");
            h.open("g", "class", anomalous ? "tick anomalous" : "tick", "data-event", entry.event().eventId());
            h.el("title", entry.event().eventType() + " · " + PageText.millis(at) + " · " + entry.event().eventId()
                    + (anomalous ? " · caused " + entry.anomalies().size() + " anomal"
                    + (entry.anomalies().size() == 1 ? "y" : "ies") : ""));
            h.empty("rect", "class", "tick-hit", "x", num(x - 3), "y", num(eventsY - 8), "width", "6",
                    "height", "16");
            h.empty("line", "x1", num(x), "x2", num(x), "y1", num(eventsY - 7), "y2", num(eventsY + 7));
            h.close("g").close("a");
        }
        y += EVENTS_ROW;

        // sessions and their tracks
        int index = 0;
        for (SessionSpan span : detail.sessions()) {
            Session s = span.session();
            int cy = y + SESSION_ROW / 2;
            band(y, SESSION_ROW, index++ % 2 == 0 ? "row-even" : "row-odd");
            sessionRows.put(s.sid(), cy);
            String who = s.identity().isEmpty() ? "(no identity)" : s.identity();
            String sub = s.sid() + (s.name() != null && !s.name().isEmpty() && !s.name().equals(s.identity())
                    ? " · " + s.name() : "");
            label(cy, who, sub, "label-session");
            bar(cy, 14, "bar session", s.joinedAtMs(), !"participant_joined".equals(s.startSource()), s.leftAtMs(),
                    s.endSource() != null && !"participant_left".equals(s.endSource())
                            && !"connection_aborted".equals(s.endSource()),
                    s.open(), "data-session", s.sid(),
                    who + (s.name() == null || s.name().isEmpty() ? "" : " · " + s.name()) + " (" + s.sid() + "): "
                            + spanText(s.joinedAtMs(), s.startSource(), s.leftAtMs(),
                            s.endSource(), s.open()) + ", " + PageText.duration(span.durationMs()));
            y += SESSION_ROW;
            for (Track t : tracksBySession.getOrDefault(s.sid(), List.of())) {
                y = track(y, t);
            }
        }
        if (!orphanTracks.isEmpty()) {
            label(y + TRACK_ROW / 2, "tracks of no known session", null, "label-track");
            y += TRACK_ROW;
            for (Track t : orphanTracks) {
                y = track(y, t);
            }
        }

        squeezed(height);
        for (AnomalyRecord a : anomalies) {
            anomaly(a);
        }
        h.close("svg");
        return h.toString();
    }

    private int track(int y, Track t) {
        int cy = y + TRACK_ROW / 2;
        String what = (t.source() != null && !t.source().isEmpty() && !"UNKNOWN".equals(t.source()) ? t.source()
                : t.type()).toLowerCase(Locale.ROOT).replace('_', ' ');
        label(cy, "↳ " + what + (t.name() == null || t.name().isEmpty() ? "" : " · " + t.name()), null, "label-track");
        String kind = "AUDIO".equals(t.type()) ? "audio" : "VIDEO".equals(t.type()) ? "video" : "data";
        bar(cy, 8, "bar track " + kind, t.publishedAtMs(), !"track_published".equals(t.publishSource()),
                t.unpublishedAtMs(), t.endSource() != null && !"track_unpublished".equals(t.endSource()), t.open(),
                "data-track", t.sid(), what + " track " + t.sid() + " of " + t.participantSid() + ": "
                        + spanText(t.publishedAtMs(), t.publishSource(), t.unpublishedAtMs(), t.endSource(), t.open()));
        return y + TRACK_ROW;
    }

    // -- axis -------------------------------------------------------------------------------------------

    /** From the room's start (or its first known moment) to its end, or to now while it is active. */
    private void axis(Room room) {
        long start = room.startedAtMs() != null ? room.startedAtMs() : Long.MAX_VALUE;
        long end = room.finishedAtMs() != null ? room.finishedAtMs() : room.active() ? now : Long.MIN_VALUE;
        List<Long> times = new ArrayList<>();
        times.add(room.startedAtMs());
        times.add(room.finishedAtMs());
        for (SessionSpan s : detail.sessions()) {
            times.add(s.session().joinedAtMs());
            times.add(s.session().leftAtMs());
        }
        for (Track t : detail.tracks()) {
            times.add(t.publishedAtMs());
            times.add(t.unpublishedAtMs());
        }
        for (TimelineEntry e : events) {
            times.add(e.event().createdAtMs() != null ? e.event().createdAtMs() : e.event().receivedAtMs());
        }
        for (AnomalyRecord a : anomalies) {
            times.add(a.anomaly().atMs());
        }
        for (Long t : times) {
            if (t != null) {
                start = Math.min(start, t);
                end = Math.max(end, t);
            }
        }
        if (start == Long.MAX_VALUE) {
            start = now;
        }
        if (end == Long.MIN_VALUE || end < start) {
            end = start;
        }
        boolean nowShown = room.active() && now >= start && now <= end;
        if (room.active()) {
            times.add(now);
        }
        axis = TimeAxis.of(start, end, times, PLOT_LEFT, PLOT_RIGHT, nowShown ? now : null);
    }

    private double x(long ms) {
        return axis.x(ms);
    }

    private void gridAndAxis(int height) {
        h.open("g", "class", "axis", "data-breaks", Integer.toString(axis.breaks().size()));
        h.empty("line", "class", "axis-line", "x1", num(PLOT_LEFT), "x2", num(PLOT_RIGHT), "y1",
                num(AXIS_HEIGHT - 4), "y2", num(AXIS_HEIGHT - 4));
        for (TimeAxis.Stretch idle : axis.breaks()) {
            String length = PageText.duration(idle.toMs() - idle.fromMs());
            h.open("g", "class", "axis-break", "data-from", Long.toString(idle.fromMs()), "data-to",
                    Long.toString(idle.toMs()));
            h.el("title", "nothing happened for " + length + " (" + PageText.dateTime(idle.fromMs()) + " to "
                    + PageText.dateTime(idle.toMs()) + "): squeezed");
            for (double edge : new double[] {idle.x0() + 4, idle.x1() - 4}) {
                h.empty("line", "class", "break-mark", "x1", num(edge - 3), "x2", num(edge + 3),
                        "y1", num(AXIS_HEIGHT), "y2", num(AXIS_HEIGHT - 8));
            }
            h.el("text", TimeAxis.breakLabel(idle), "class", "tick-label break-label", "x",
                    num((idle.x0() + idle.x1()) / 2), "y", num(AXIS_HEIGHT - 12), "text-anchor", "middle");
            h.close("g");
        }
        for (TimeAxis.Tick tick : axis.ticks()) {
            h.empty("line", "class", tick.major() ? "grid major" : "grid", "x1", num(tick.x()), "x2", num(tick.x()),
                    "y1", num(AXIS_HEIGHT - 8), "y2", num(height - 6));
            h.el("text", tick.label(), "class", tick.major() ? "tick-label major" : "tick-label", "x", num(tick.x()),
                    "y", num(AXIS_HEIGHT - 12), "text-anchor", "middle", "data-at", Long.toString(tick.atMs()));
        }
        if (detail.summary().room().active() && now >= axis.startMs() && now <= axis.endMs()) {
            double x = x(now);
            h.empty("line", "class", "now", "x1", num(x), "x2", num(x), "y1", num(AXIS_HEIGHT - 4),
                    "y2", num(height - 6));
            axis.nowLabel().ifPresent(label -> h.el("text", TimeAxis.NOW, "class", "now-label", "x", num(label.x()),
                    "y", num(AXIS_HEIGHT - 12), "text-anchor", label.anchor()));
        }
        h.close("g");
    }

    /** Over the rows, each squeezed stretch: what crosses it is seen to be cut short. */
    private void squeezed(int height) {
        for (TimeAxis.Stretch idle : axis.breaks()) {
            h.empty("rect", "class", "break-band", "x", num(idle.x0()), "y", num(AXIS_HEIGHT - 4),
                    "width", num(idle.x1() - idle.x0()), "height", num(height - AXIS_HEIGHT - 2));
        }
    }

    // -- pieces -----------------------------------------------------------------------------------------

    private void band(int y, int height, String cls) {
        h.empty("rect", "class", "band " + cls, "x", "0", "y", num(y), "width", num(WIDTH), "height", num(height));
    }

    private void label(int cy, String main, String sub, String cls) {
        if (sub == null) {
            h.el("text", PageText.cut(main, 34), "class", "label " + cls, "x", "8", "y", num(cy + 4));
        } else {
            h.el("text", PageText.cut(main, 34), "class", "label " + cls, "x", "8", "y", num(cy - 2));
            h.el("text", PageText.cut(sub, 40), "class", "label-sub", "x", "8", "y", num(cy + 11));
        }
    }

    /**
     * A bar from {@code startMs} (unknown: the axis start, inferred) to {@code endMs} (open: now or the axis
     * end; unknown and not open: a sliver at the start), hatched at each inferred end.
     */
    private void bar(int cy, int height, String cls, Long startMs, boolean startInferred, Long endMs,
            boolean endInferred, boolean open, String dataName, String dataValue, String title) {
        boolean noStart = startMs == null;
        double x0 = x(noStart ? axis.startMs() : startMs);
        long endAt = endMs != null ? endMs : open ? (detail.summary().room().active() ? now : axis.endMs())
                : (noStart ? axis.startMs() : startMs);
        double x1 = Math.max(x(endAt), x0 + 2);
        double w = x1 - x0;
        double top = cy - height / 2.0;
        h.open("g", "class", cls, dataName, dataValue, "data-start", startInferred || noStart ? "inferred" : "known",
                "data-end", open ? "open" : endInferred ? "inferred" : "known");
        h.el("title", title);
        h.empty("rect", "class", "bar-body", "x", num(x0), "y", num(top), "width", num(w), "height", num(height),
                "rx", "2");
        double hw = Math.min(HATCH_WIDTH, w / 2);
        if (startInferred || noStart) {
            h.empty("rect", "class", "inferred-end", "x", num(x0), "y", num(top), "width", num(hw),
                    "height", num(height));
        }
        if (endInferred) {
            h.empty("rect", "class", "inferred-end", "x", num(x1 - hw), "y", num(top), "width", num(hw),
                    "height", num(height));
        }
        if (open) {
            h.empty("path", "class", "open-end", "d", "M" + num(x1) + "," + num(top - 2) + " L" + num(x1 + 7) + ","
                    + num(cy) + " L" + num(x1) + "," + num(top + height + 2) + " Z");
        }
        h.close("g");
    }

    private void anomaly(AnomalyRecord record) {
        var a = record.anomaly();
        Integer cy = a.participantSid() == null ? null : sessionRows.get(a.participantSid());
        if (cy == null) {
            cy = roomRowY;
        }
        double x = Math.max(PLOT_LEFT, Math.min(PLOT_RIGHT, x(a.atMs())));
        String kind = a.kind();
        h.open("g", "class", "anomaly", "data-kind", kind, "data-anomaly", Long.toString(record.id()));
        h.el("title", kind + (a.identity() == null ? "" : " · " + a.identity()) + " · " + PageText.millis(a.atMs())
                + (a.detail() == null || a.detail().isEmpty() ? "" : ": " + a.detail()));
        h.empty("path", "class", "anomaly-marker", "d", "M" + num(x) + "," + num(cy - 8) + " L" + num(x + 7) + ","
                + num(cy) + " L" + num(x) + "," + num(cy + 8) + " L" + num(x - 7) + "," + num(cy) + " Z");
        double width = kind.length() * CHAR_WIDTH;
        boolean left = x + 10 + width > PLOT_RIGHT;
        double from = left ? x - 10 - width : x + 10;
        List<double[]> taken = labelsByRow.computeIfAbsent(cy, k -> new ArrayList<>());
        boolean free = taken.stream().noneMatch(r -> from < r[1] && from + width > r[0]);
        if (free) {
            taken.add(new double[] {from, from + width});
            h.el("text", kind, "class", "anomaly-label", "x", num(left ? x - 10 : x + 10), "y", num(cy - 9),
                    "text-anchor", left ? "end" : "start");
        }
        h.close("g");
    }

    private static String spanText(Long start, String startSource, Long end, String endSource, boolean open) {
        String from = start == null ? "start unknown" : "from " + PageText.millis(start) + " (" + startSource + ")";
        String to = open ? "still open" : end == null ? "end unknown" : "to " + PageText.millis(end) + " (" + endSource + ")";
        return from + " " + to;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
