package io.livehook.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The parts of livehook one process runs. Every process serves the query API, the dashboard and metrics; the
 * roles say which of the pipeline's stages it takes part in.
 */
public enum Role {
    /** Receives LiveKit's webhooks and appends them to the event log. */
    INGEST,
    /** Turns the event log into state (on Kafka: the log partitions this process owns). */
    PROCESS,
    /** Sends the outbox to the destinations. */
    DELIVER,
    /** Compares state with LiveKit's RoomService (one process at a time across all that have this role). */
    RECONCILE;

    public static final Set<Role> ALL = Set.copyOf(EnumSet.allOf(Role.class));

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code "ingest,process"}; {@code setting} names where the text came from, for the error. */
    public static Set<Role> parse(String text, String setting) {
        EnumSet<Role> roles = EnumSet.noneOf(Role.class);
        for (String part : text.split(",")) {
            String name = part.strip();
            if (name.isEmpty()) {
                continue;
            }
            roles.add(Arrays.stream(values()).filter(r -> r.label().equals(name.toLowerCase(Locale.ROOT)))
                    .findFirst()
                    .orElseThrow(() -> new ConfigException(setting + " lists \"" + name + "\", which is not a role "
                            + "(roles: " + describe(ALL) + ")")));
        }
        if (roles.isEmpty()) {
            throw new ConfigException(setting + " must list at least one role of " + describe(ALL));
        }
        return Set.copyOf(roles);
    }

    /** The roles in their order, comma-separated. */
    public static String describe(Set<Role> roles) {
        return Arrays.stream(values()).filter(roles::contains).map(Role::label).collect(Collectors.joining(","));
    }
}
