package io.livehook.dashboard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * HTML written so that every value is escaped unless it is a literal of this code: tag and attribute names
 * are literals, attribute values and text always go through {@link #escape}. Names, identities, metadata and
 * bodies come from LiveKit webhooks and are attacker-controllable; none of them can end up as markup.
 * Attribute values are always double-quoted.
 */
final class Html {
    private final StringBuilder out = new StringBuilder(8192);

    /** Text safe in element content and in quoted attribute values. Null is empty. */
    static String escape(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder escaped = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                case '`' -> "&#96;";
                default -> null;
            };
            if (replacement != null) {
                if (escaped == null) {
                    escaped = new StringBuilder(value.length() + 16).append(value, 0, i);
                }
                escaped.append(replacement);
            } else if (escaped != null) {
                escaped.append(c);
            }
        }
        return escaped == null ? value : escaped.toString();
    }

    /** A dashboard path from literal {@code base} and percent-encoded segments: {@code /dashboard/rooms/RM%2F1}. */
    static String path(String base, String... segments) {
        StringBuilder p = new StringBuilder(base);
        for (String segment : segments) {
            p.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return p.toString();
    }

    /** A query parameter value, percent-encoded. */
    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Appends trusted markup: only ever a literal of this code. */
    Html raw(String trusted) {
        out.append(trusted);
        return this;
    }

    /** Appends a value as text. */
    Html text(Object value) {
        out.append(escape(value == null ? null : value.toString()));
        return this;
    }

    /**
     * Appends a value as text with the characters that hide or disguise content made visible: control
     * characters (but tab, newline, carriage return) and bidirectional overrides show as {@code \\u{..}} in a
     * marked span, so a body reads as the bytes it is.
     */
    Html visibleText(String value) {
        if (value == null) {
            return this;
        }
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (hidden(c)) {
                out.append(escape(value.substring(start, i)));
                out.append("<span class=\"ctl\">\\u{").append(Integer.toHexString(c).toUpperCase()).append("}</span>");
                start = i + 1;
            }
        }
        out.append(escape(value.substring(start)));
        return this;
    }

    private static boolean hidden(char c) {
        return (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || (c >= 0x7f && c < 0xa0)
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f
                || c == 0x061c || c == 0xfeff;
    }

    /** {@code <tag a="v" ...>}; {@code attributes} are name/value pairs, a null value leaves the attribute out. */
    Html open(String tag, String... attributes) {
        out.append('<').append(tag);
        attributes(attributes);
        out.append('>');
        return this;
    }

    Html close(String tag) {
        out.append("</").append(tag).append('>');
        return this;
    }

    /** An element holding one text value. */
    Html el(String tag, Object text, String... attributes) {
        return open(tag, attributes).text(text).close(tag);
    }

    /** An element without content or end tag ({@code <input>}, {@code <meta>}) or a self-closed SVG element. */
    Html empty(String tag, String... attributes) {
        out.append('<').append(tag);
        attributes(attributes);
        out.append(tag.equals("input") || tag.equals("meta") || tag.equals("link") || tag.equals("br") ? ">" : "/>");
        return this;
    }

    private void attributes(String... attributes) {
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name/value pairs");
        }
        for (int i = 0; i < attributes.length; i += 2) {
            if (attributes[i + 1] != null) {
                out.append(' ').append(attributes[i]).append("=\"").append(escape(attributes[i + 1])).append('"');
            }
        }
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
