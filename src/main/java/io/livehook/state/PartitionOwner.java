package io.livehook.state;

/** Who holds a log partition (or a cluster-wide job), under which epoch, until when. */
public record PartitionOwner(int partition, String owner, long epoch, long leaseUntilMs) {}
