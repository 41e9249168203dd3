package io.livehook.process;

import io.livehook.log.LoggedEvent;

/**
 * One event for a lane to apply, read while its partition was held under {@code epoch}; {@code progress} is
 * that holding's record of what is done, null for a dead letter being retried.
 */
record Work(LoggedEvent event, long epoch, InFlightOffsets progress) {
    boolean fresh() {
        return progress != null;
    }
}
