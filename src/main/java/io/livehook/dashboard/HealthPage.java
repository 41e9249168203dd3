package io.livehook.dashboard;

import io.livehook.metrics.MetricsHistory;
import io.livehook.state.StateQueries.AnomalyRecord;
import java.util.List;
import java.util.Map;

/**
 * The last hour of livehook's own health, drawn by the bundled script from {@code /dashboard/health.json}
 * (the in-process {@link MetricsHistory}); the latest figures and anomalies are in the page itself.
 */
final class HealthPage {
    private HealthPage() {}

    static String render(MetricsHistory.Sample latest, List<AnomalyRecord> recentAnomalies, long intervalSeconds,
            long now, Layout.Viewer viewer) {
        return Layout.page("Health", Layout.HEALTH, viewer, h -> {
            h.el("h1", "Health, last hour");
            h.el("p", "Sampled inside livehook every " + intervalSeconds + " s and kept for an hour (since the last "
                    + "start); rates and ACK percentiles are over each " + intervalSeconds + " s interval. Prometheus "
                    + "and the Grafana dashboard keep the long view.", "class", "lead");
            h.open("div", "class", "now-figures", "id", "now-figures");
            Map<String, Double> v = latest == null ? Map.of() : latest.values();
            figure(h, "active rooms", v.get("rooms.active"), "");
            figure(h, "dead letters", v.get("dead_letters"), "");
            figure(h, "processing lag", v.get("lag.seconds"), " s");
            figure(h, "events waiting", v.get("lag.events"), "");
            figure(h, "ACK p99, last " + intervalSeconds + " s", v.get("ack.p99_ms"), " ms");
            h.close("div");
            if (latest != null) {
                h.el("p", "as of " + PageText.dateTime(latest.atMs()) + " (" + PageText.ago(latest.atMs(), now) + ")", "class",
                        "note");
            }
            h.open("div", "id", "charts", "class", "charts", "data-src", Dashboard.BASE + "/health.json");
            h.el("p", "Loading the charts…", "class", "empty");
            h.close("div");

            h.el("h2", "Latest anomalies");
            if (recentAnomalies.isEmpty()) {
                h.el("p", "None recorded.", "class", "empty");
                return;
            }
            h.open("table", "class", "grid", "id", "recent-anomalies").open("thead").open("tr");
            for (String c : List.of("At", "Kind", "Room", "Participant", "Detail")) {
                h.el("th", c);
            }
            h.close("tr").close("thead").open("tbody");
            for (AnomalyRecord r : recentAnomalies) {
                var a = r.anomaly();
                h.open("tr");
                h.el("td", PageText.millis(a.atMs()), "class", "nowrap");
                h.open("td");
                Layout.badge(h, a.kind(), "anomaly");
                h.close("td");
                h.open("td");
                String room = a.roomSid() != null ? a.roomSid() : a.roomName();
                if (room != null) {
                    h.el("a", a.roomName() == null || a.roomName().isEmpty() ? room : a.roomName(),
                            "href", Html.path(Dashboard.BASE + "/rooms", room));
                }
                h.close("td");
                h.el("td", a.identity() == null ? "" : a.identity());
                h.el("td", a.detail());
                h.close("tr");
            }
            h.close("tbody").close("table");
        });
    }

    private static void figure(Html h, String name, Double value, String unit) {
        h.open("div", "class", "figure").el("div", value == null ? "—" : format(value) + unit, "class", "value")
                .el("div", name, "class", "name").close("div");
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? Long.toString((long) v) : String.format(java.util.Locale.ROOT,
                v < 10 ? "%.2f" : "%.1f", v);
    }
}
