package io.livehook.log;

/** Who produced an event: LiveKit's webhook, or livehook itself (a reconciliation correction). */
public enum Origin {
    LIVEKIT,
    LIVEHOOK;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Origin fromLabel(String label) {
        return valueOf(label.toUpperCase(java.util.Locale.ROOT));
    }
}
