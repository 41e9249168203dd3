package io.livehook.dashboard;

import io.livehook.deliver.DeliveryService.DestinationSummary;
import io.livehook.state.DeliveryStore.DestinationFigures;
import java.util.List;

/**
 * Where each destination stands: deliveries waiting, in flight, dead and delivered, the oldest waiting, the
 * circuit breaker, the newest error. Each configured destination has a button that retries its dead deliveries
 * and one that replays a recent time range; the page's script posts them to {@code /api/deliveries/retry} and
 * {@code /api/deliveries/replay} with the session's CSRF header, like the dead-letter retry.
 */
final class DeliveriesPage {
    static final int REFRESH_SECONDS = 15;
    /** The replay ranges offered: label and seconds back from now. */
    static final List<String[]> REPLAY_RANGES = List.of(new String[] {"last 15 minutes", "900"},
            new String[] {"last hour", "3600"}, new String[] {"last 6 hours", "21600"},
            new String[] {"last 24 hours", "86400"}, new String[] {"last 7 days", "604800"});

    private DeliveriesPage() {}

    static String render(List<DestinationSummary> destinations, long now, Layout.Viewer viewer) {
        return Layout.page("Deliveries", Layout.DELIVERIES, viewer, REFRESH_SECONDS, h -> {
            h.el("h1", "Deliveries");
            h.el("p", "Where each destination stands. Pending deliveries wait their turn (per room, in order), "
                    + "in flight ones are being sent now; an open circuit means the destination failed again and "
                    + "again, so livehook waits before it tries again (nothing is dropped). Dead deliveries were "
                    + "given up on: retry them once the receiver is fixed. This page refreshes every "
                    + REFRESH_SECONDS + " s.", "class", "lead");
            h.el("p", "", "class", "flash", "id", "flash", "role", "status", "aria-live", "polite");
            if (destinations.isEmpty()) {
                h.el("p", "No destinations are configured: add them under destinations: in livehook's YAML file.",
                        "class", "empty");
                return;
            }
            h.open("table", "class", "grid", "id", "destinations").open("thead").open("tr");
            for (String c : List.of("Destination", "Circuit", "Pending", "In flight", "Dead", "Delivered",
                    "Oldest waiting", "Last error", "")) {
                h.el("th", c, "class", c.equals("Pending") || c.equals("In flight") || c.equals("Dead")
                        || c.equals("Delivered") ? "num" : null);
            }
            h.close("tr").close("thead").open("tbody");
            for (DestinationSummary s : destinations) {
                row(h, s, now);
            }
            h.close("tbody").close("table");
            h.open("p", "class", "note").text("Each dead delivery, with its own Retry, is on the ")
                    .el("a", "Dead letters page", "href", Dashboard.BASE + "/dead-letters#dead-deliveries").text(".")
                    .close("p");
        });
    }

    private static void row(Html h, DestinationSummary s, long now) {
        DestinationFigures f = s.figures();
        String circuit = s.circuit().orElse(null);
        h.open("tr", "data-destination", f.destination(), "data-circuit", circuit);
        h.open("td").el("strong", f.destination());
        if (!s.configured()) {
            h.el("div", "no longer configured: nothing sends these", "class", "sub");
        }
        h.close("td");
        h.open("td", "class", "circuit");
        if (circuit != null) {
            Layout.badge(h, circuit.replace('_', '-'), switch (circuit) {
                case "open" -> "dead";
                case "half_open" -> "retrying";
                default -> "ok";
            });
            if (s.msUntilProbe() > 0) {
                h.el("div", "next try in " + PageText.duration(s.msUntilProbe()), "class", "sub");
            }
        }
        h.close("td");
        h.el("td", f.pending(), "class", "num pending" + (f.pending() > 0 ? " strong" : ""));
        h.el("td", s.inFlight(), "class", "num in-flight");
        h.el("td", f.dead(), "class", "num dead" + (f.dead() > 0 ? " strong" : ""));
        h.el("td", f.delivered(), "class", "num delivered");
        Long oldest = f.oldestPendingQueuedMs();
        h.el("td", oldest == null ? "—" : PageText.duration(now - oldest), "class", "nowrap oldest", "title",
                oldest == null ? null : "queued " + PageText.dateTime(oldest));
        h.open("td", "class", "error mono");
        if (f.lastError() != null) {
            h.el("span", PageText.cut(f.lastError(), 300), "title", PageText.cut(f.lastError(), 2000));
            h.el("div", PageText.ago(f.lastErrorAtMs(), now), "class", "sub", "title",
                    PageText.dateTime(f.lastErrorAtMs()));
        }
        h.close("td");
        h.open("td", "class", "actions");
        if (s.configured()) {
            if (f.dead() > 0) {
                h.el("button", "Retry " + f.dead() + " dead", "type", "button", "class", "retry",
                        "data-retry-destination", f.destination());
            }
            h.open("span", "class", "replay");
            h.open("select", "aria-label", "Replay range for " + f.destination(), "data-replay-range",
                    f.destination());
            for (String[] range : REPLAY_RANGES) {
                h.el("option", range[0], "value", range[1], "selected", range[1].equals("3600") ? "" : null);
            }
            h.close("select");
            h.el("button", "Replay", "type", "button", "class", "retry", "data-replay", f.destination());
            h.close("span");
        }
        h.close("td");
        h.close("tr");
    }
}
