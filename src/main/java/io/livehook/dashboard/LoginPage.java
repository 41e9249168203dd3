package io.livehook.dashboard;

/** Where a browser trades the API token for a session cookie. The token typed in is never sent back. */
final class LoginPage {
    private LoginPage() {}

    /** {@code error}: why the last try failed (null: none); {@code canLogIn}: a token is configured. */
    static String render(String next, String error, boolean canLogIn) {
        return Layout.page("Log in", null, Layout.Viewer.ANONYMOUS, h -> {
            h.open("div", "class", "login");
            h.el("h1", "Log in");
            if (!canLogIn) {
                h.el("p", "The dashboard is closed because no API token is configured: set LIVEHOOK_API_TOKEN (or "
                        + "api.token in the config file) and restart livehook.", "class", "error", "id", "login-error");
                h.close("div");
                return;
            }
            h.el("p", "Enter livehook's API token (LIVEHOOK_API_TOKEN). The browser keeps a session for "
                    + "12 hours; the token itself is not stored.", "class", "note");
            if (error != null) {
                h.el("p", error, "class", "error", "id", "login-error", "role", "alert");
            }
            h.open("form", "method", "post", "action", Dashboard.BASE + "/login", "id", "login-form");
            h.empty("input", "type", "hidden", "name", "next", "value", next);
            h.open("label", "for", "token").text("API token").close("label");
            h.empty("input", "type", "password", "id", "token", "name", "token", "autocomplete", "current-password",
                    "required", "", "autofocus", "");
            h.el("button", "Log in", "type", "submit", "id", "login-submit");
            h.close("form");
            h.close("div");
        });
    }
}
