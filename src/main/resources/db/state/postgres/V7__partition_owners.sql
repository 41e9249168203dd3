-- Which process applies each log partition (or holds another cluster-wide job, such as reconciling), and
-- under which epoch: every transaction of the holder checks its epoch in this row, so a process that lost the
-- lease (a pause, a network cut) can never commit after another took over.
CREATE TABLE partition_owners (
    consumer             TEXT COLLATE "C" NOT NULL,
    log_partition        INTEGER NOT NULL,
    owner                TEXT COLLATE "C" NOT NULL,
    epoch                BIGINT  NOT NULL,
    lease_until_ms       BIGINT  NOT NULL,
    PRIMARY KEY (consumer, log_partition)
);

-- The processes taking part, by their heartbeats: how many are alive decides each one's fair share.
CREATE TABLE members (
    consumer             TEXT COLLATE "C" NOT NULL,
    member               TEXT COLLATE "C" NOT NULL,
    heartbeat_ms         BIGINT  NOT NULL,
    PRIMARY KEY (consumer, member)
);
