package io.livehook.ingest;

import java.util.OptionalLong;

/**
 * How many TCP connections the listener holds at once: below the open-file limit, with room kept for the
 * event log, the state store and outgoing HTTP (deliveries, reconciliation), so that a flood of connections
 * waits in the kernel's backlog instead of taking the last file descriptor. {@code basis} says where the
 * number came from, for the start-up line.
 */
record ConnectionLimit(int connections, String basis) {
    /** Descriptors kept for everything but incoming connections. */
    static final int RESERVED_FILES = 256;
    /** The most connections taken by default; each holds a thread and buffers even when idle. */
    static final int MOST = 10_000;
    static final int LEAST = 16;

    /** {@code configured} 0: as many as the open-file limit leaves room for, up to {@link #MOST}. */
    static ConnectionLimit of(int configured, OptionalLong fileLimit, OptionalLong filesInUse) {
        if (fileLimit.isEmpty()) {
            return configured > 0 ? new ConnectionLimit(configured, "configured")
                    : new ConnectionLimit(MOST, "default; open-file limit unknown");
        }
        long inUse = filesInUse.orElse(0);
        long room = fileLimit.getAsLong() - inUse - RESERVED_FILES;
        String budget = "the open-file limit (ulimit -n) of " + fileLimit.getAsLong() + " with " + inUse
                + " files open and " + RESERVED_FILES + " kept for the log, state and outgoing HTTP";
        if (configured > 0) {
            if (configured > room) {
                throw new IllegalStateException("server.max_connections (LIVEHOOK_MAX_CONNECTIONS) is " + configured
                        + ", but " + budget + " leaves room for " + Math.max(room, 0) + ": lower it, or raise the "
                        + "limit (ulimit -n, or LimitNOFILE= in a systemd unit)");
            }
            return new ConnectionLimit(configured, "configured");
        }
        if (room < LEAST) {
            throw new IllegalStateException(budget + " leaves room for " + Math.max(room, 0) + " connections, fewer than "
                    + LEAST + ": raise the limit (ulimit -n, or LimitNOFILE= in a systemd unit) to at least "
                    + (inUse + RESERVED_FILES + LEAST));
        }
        return new ConnectionLimit((int) Math.min(MOST, room), "from " + budget);
    }
}
