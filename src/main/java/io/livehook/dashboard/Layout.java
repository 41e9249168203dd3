package io.livehook.dashboard;

import java.util.function.Consumer;

/** The frame every dashboard page shares: head with the bundled CSS and JS, navigation, dev-mode banner. */
final class Layout {
    static final String ROOMS = "rooms";
    static final String HEALTH = "health";
    static final String DELIVERIES = "deliveries";
    static final String DEAD_LETTERS = "dead-letters";

    private Layout() {}

    /**
     * What a page needs from its request: the CSRF token to hand to the script (null when the caller came
     * with a bearer token or the dashboard is open), whether there is a session to log out of, whether the
     * dashboard is open without a token (dev mode).
     */
    record Viewer(String csrfToken, boolean session, boolean open) {
        static final Viewer ANONYMOUS = new Viewer(null, false, false);
    }

    static String page(String title, String section, Viewer viewer, Consumer<Html> main) {
        return page(title, section, viewer, null, main);
    }

    /** {@code refreshSeconds}: the page reloads itself that often (null: never). */
    static String page(String title, String section, Viewer viewer, Integer refreshSeconds, Consumer<Html> main) {
        Html h = new Html();
        h.raw("<!doctype html>\n").open("html", "lang", "en").open("head")
                .empty("meta", "charset", "utf-8")
                .empty("meta", "name", "viewport", "content", "width=device-width, initial-scale=1")
                .empty("meta", "name", "referrer", "content", "no-referrer")
                .empty("meta", "name", "livehook-csrf", "content", viewer.csrfToken() == null ? "" : viewer.csrfToken())
                .el("title", title + " · livehook")
                .empty("link", "rel", "stylesheet", "href", Dashboard.STATIC + "/dashboard.css")
                .empty("link", "rel", "icon", "href", Dashboard.STATIC + "/favicon.svg", "type", "image/svg+xml")
                .open("script", "src", Dashboard.STATIC + "/dashboard.js", "defer", "")
                .close("script")
                .close("head")
                .open("body", "data-refresh", refreshSeconds == null ? null : refreshSeconds.toString());
        h.open("header", "class", "top")
                .el("a", "livehook", "class", "brand", "href", Dashboard.BASE);
        if (section != null) {
            h.open("nav");
            link(h, "Rooms", Dashboard.BASE, ROOMS.equals(section));
            link(h, "Health", Dashboard.BASE + "/health", HEALTH.equals(section));
            link(h, "Deliveries", Dashboard.BASE + "/deliveries", DELIVERIES.equals(section));
            link(h, "Dead letters", Dashboard.BASE + "/dead-letters", DEAD_LETTERS.equals(section));
            h.close("nav");
        }
        h.el("span", "times in UTC", "class", "tz");
        if (viewer.session()) {
            h.open("form", "method", "post", "action", Dashboard.BASE + "/logout", "class", "logout")
                    .el("button", "Log out", "type", "submit")
                    .close("form");
        }
        h.close("header");
        if (viewer.open()) {
            h.el("div", "Dev mode without an API token: this dashboard and the API are open to anyone who can "
                    + "reach this port.", "class", "banner warn");
        }
        h.open("main");
        main.accept(h);
        h.close("main").close("body").close("html");
        return h.toString();
    }

    private static void link(Html h, String label, String href, boolean current) {
        h.el("a", label, "href", href, "class", current ? "current" : null, "aria-current", current ? "page" : null);
    }

    /** A small status label. */
    static void badge(Html h, String text, String kind) {
        h.el("span", text, "class", "badge " + kind);
    }
}
