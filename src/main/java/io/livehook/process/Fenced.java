package io.livehook.process;

/**
 * A transaction found that another process has taken the partition over since this one started working on it:
 * rolled back, and the work of that partition is dropped here (its new owner does it).
 */
final class Fenced extends RuntimeException {
    final int partition;
    final long epoch;

    Fenced(int partition, long epoch) {
        super("partition " + partition + " is no longer held under epoch " + epoch, null, false, false);
        this.partition = partition;
        this.epoch = epoch;
    }
}
