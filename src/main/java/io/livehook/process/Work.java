package io.livehook.process;

import io.livehook.log.LoggedEvent;

/** One event for a lane to apply; {@code fresh} is false for a dead letter being retried. */
record Work(LoggedEvent event, boolean fresh) {}
