package io.livehook.log;

/** The event is durable at this place; {@code duplicate} means an earlier copy already was. */
public record Appended(int partition, long offset, boolean duplicate) {}
