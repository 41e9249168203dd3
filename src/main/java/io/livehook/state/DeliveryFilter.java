package io.livehook.state;

import java.util.List;
import java.util.Optional;

/**
 * Which deliveries an operator means. Empty parts match everything. {@code room} matches the event's room
 * name or its queue key (egress/ingress id); {@code sinceMs}/{@code untilMs} bound when livehook received
 * the event (since inclusive, until exclusive).
 */
public record DeliveryFilter(
        Optional<String> destination,
        Optional<String> room,
        Optional<String> eventType,
        Optional<Long> sinceMs,
        Optional<Long> untilMs,
        List<String> eventIds) {

    public DeliveryFilter {
        eventIds = List.copyOf(eventIds);
    }

    public static DeliveryFilter any() {
        return new DeliveryFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of());
    }

    public boolean isEmpty() {
        return destination.isEmpty() && room.isEmpty() && eventType.isEmpty() && sinceMs.isEmpty()
                && untilMs.isEmpty() && eventIds.isEmpty();
    }
}
