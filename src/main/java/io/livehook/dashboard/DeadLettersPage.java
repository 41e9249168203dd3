package io.livehook.dashboard;

import io.livehook.log.QuarantinedBody;
import io.livehook.state.DeadLetter;
import io.livehook.state.Delivery;
import java.util.List;

/**
 * Events that could not be applied, each with a Retry button (the page's script posts to
 * {@code /api/dead-letters/retry} with the session's CSRF header); deliveries given up on, each with a Retry
 * button too ({@code /api/deliveries/retry}, the same rule); and the signed bodies kept in quarantine.
 */
final class DeadLettersPage {
    static final int PREVIEW_CHARS = 2000;

    private DeadLettersPage() {}

    static String render(List<DeadLetter> letters, boolean more, String status, List<Delivery> deadDeliveries,
            boolean moreDeadDeliveries, List<QuarantinedBody> quarantined, long now, Layout.Viewer viewer) {
        return Layout.page("Dead letters", Layout.DEAD_LETTERS, viewer, h -> {
            h.el("h1", "Dead letters");
            h.el("p", "Events livehook logged but could not apply to state. Retry applies one again (after a "
                    + "fix); a retry that fails again leaves it open with one more attempt.", "class", "lead");
            h.open("p", "class", "filters").text("Show: ");
            for (String s : new String[] {null, DeadLetter.OPEN, DeadLetter.RETRYING, DeadLetter.RESOLVED}) {
                String label = s == null ? "all" : s;
                String href = Dashboard.BASE + "/dead-letters" + (s == null ? "" : "?status=" + s);
                boolean current = s == null ? status == null : s.equals(status);
                h.el("a", label, "href", href, "class", current ? "current" : null).raw(" ");
            }
            h.close("p");
            h.el("p", "", "class", "flash", "id", "flash", "role", "status", "aria-live", "polite");

            if (letters.isEmpty()) {
                h.el("p", "No dead letters" + (status == null ? "" : " with status " + status) + ".", "class", "empty");
            } else {
                h.open("table", "class", "grid", "id", "dead-letters").open("thead").open("tr");
                for (String c : List.of("Event", "Queue key", "Status", "Attempts", "Error", "First failed",
                        "Last failed", "")) {
                    h.el("th", c);
                }
                h.close("tr").close("thead").open("tbody");
                for (DeadLetter d : letters) {
                    h.open("tr", "data-event", d.eventId(), "data-status", d.status());
                    h.open("td").el("a", d.eventType(), "href", Html.path(Dashboard.BASE + "/events", d.eventId()))
                            .el("div", d.eventId(), "class", "sub mono").close("td");
                    h.el("td", d.queueKey(), "class", "mono");
                    h.open("td", "class", "status");
                    Layout.badge(h, d.status(), d.status());
                    h.close("td");
                    h.el("td", d.attempts(), "class", "num attempts");
                    h.el("td", PageText.cut(d.error(), 400), "class", "error mono", "title", PageText.cut(d.error(), 2000));
                    h.el("td", PageText.dateTime(d.firstFailedMs()), "class", "nowrap");
                    h.el("td", PageText.ago(d.lastFailedMs(), now), "class", "nowrap", "title",
                            PageText.dateTime(d.lastFailedMs()));
                    h.open("td");
                    if (DeadLetter.OPEN.equals(d.status())) {
                        h.el("button", "Retry", "type", "button", "class", "retry", "data-retry", d.eventId());
                    }
                    h.close("td");
                    h.close("tr");
                }
                h.close("tbody").close("table");
                if (more) {
                    h.el("p", "More than shown: page through /api/dead-letters.", "class", "note");
                }
            }

            deadDeliveries(h, deadDeliveries, moreDeadDeliveries, now);

            h.el("h2", "Quarantine (" + quarantined.size() + ")");
            h.el("p", "Correctly signed bodies that were not readable events (not JSON, no id or event). They "
                    + "came from LiveKit and are kept, not applied.", "class", "note");
            if (quarantined.isEmpty()) {
                h.el("p", "Nothing in quarantine.", "class", "empty");
                return;
            }
            h.open("table", "class", "grid", "id", "quarantine").open("thead").open("tr");
            for (String c : List.of("#", "Received", "Key", "Reason", "Body")) {
                h.el("th", c);
            }
            h.close("tr").close("thead").open("tbody");
            for (QuarantinedBody q : quarantined) {
                h.open("tr", "data-quarantine", Long.toString(q.id()));
                h.el("td", q.id(), "class", "num");
                h.el("td", PageText.dateTime(q.receivedAt().toEpochMilli()), "class", "nowrap");
                h.el("td", q.keyId(), "class", "mono");
                h.el("td", q.reason());
                h.open("td").open("details").el("summary", q.body().length + " bytes");
                String text = EventPage.utf8(q.body());
                h.open("pre", "class", "raw");
                if (text != null) {
                    h.visibleText(PageText.cut(text, PREVIEW_CHARS));
                } else {
                    h.text(EventPage.hexDump(java.util.Arrays.copyOf(q.body(), Math.min(q.body().length, 512))));
                }
                h.close("pre").close("details").close("td");
                h.close("tr");
            }
            h.close("tbody").close("table");
        });
    }

    private static void deadDeliveries(Html h, List<Delivery> dead, boolean more, long now) {
        h.el("h2", "Dead deliveries (" + dead.size() + (more ? "+" : "") + ")", "id", "dead-deliveries");
        h.el("p", "Deliveries to your destinations that livehook gave up on: the receiver refused them, or they ran "
                + "out of attempts or age. Retry sends one again, due now, with a fresh attempt budget; the "
                + "Deliveries page retries all of a destination's at once.", "class", "note");
        if (dead.isEmpty()) {
            h.el("p", "No dead deliveries.", "class", "empty");
            return;
        }
        h.open("table", "class", "grid", "id", "delivery-dead-letters").open("thead").open("tr");
        for (String c : List.of("Destination", "Event", "Room / key", "Status", "Attempts", "Last error", "Dead since",
                "")) {
            h.el("th", c);
        }
        h.close("tr").close("thead").open("tbody");
        for (Delivery d : dead) {
            h.open("tr", "data-destination", d.destination(), "data-event", d.eventId(), "data-replay-number",
                    Integer.toString(d.replay()), "data-status", d.status());
            h.el("td", d.destination(), "class", "mono");
            h.open("td").el("a", d.eventType(), "href", Html.path(Dashboard.BASE + "/events", d.eventId()))
                    .el("div", d.eventId() + (d.replay() > 0 ? " (replay " + d.replay() + ")" : ""), "class", "sub mono")
                    .close("td");
            h.el("td", PageText.cut(d.queueKey(), 80), "class", "mono");
            h.open("td", "class", "status");
            Layout.badge(h, d.status(), d.status());
            h.close("td");
            h.el("td", d.attempts(), "class", "num attempts");
            h.el("td", PageText.cut(d.lastError(), 400), "class", "error mono", "title", PageText.cut(d.lastError(), 2000));
            h.el("td", d.deadMs() == null ? "—" : PageText.ago(d.deadMs(), now), "class", "nowrap", "title",
                    PageText.dateTime(d.deadMs()));
            h.open("td").el("button", "Retry", "type", "button", "class", "retry", "data-retry-delivery", d.eventId(),
                    "data-destination", d.destination()).close("td");
            h.close("tr");
        }
        h.close("tbody").close("table");
        if (more) {
            h.el("p", "More than shown: page through /api/deliveries?status=dead.", "class", "note");
        }
    }
}
