package io.livehook.state;

/** A status an egress or ingress reported in one event, for its history; {@code at} in the resource's own unit. */
public record StatusChange(String id, String eventId, String status, long at) {}
