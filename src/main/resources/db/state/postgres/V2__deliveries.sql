-- The delivery outbox: one row per (destination, event, replay), created in the transaction that
-- applies the event, so an event is processed and queued for forwarding together or not at all.
-- PostgreSQL (db/state/sqlite has the same for SQLite); times are Unix milliseconds.
CREATE TABLE deliveries (
    destination          TEXT COLLATE "C" NOT NULL,
    event_id             TEXT COLLATE "C" NOT NULL,
    replay               INTEGER NOT NULL,            -- 0: the original delivery; n: the n-th replay of it
    event_type           TEXT COLLATE "C" NOT NULL,
    queue_key            TEXT COLLATE "C" NOT NULL,            -- room name, egress id or ingress id: the order domain
    log_partition        INTEGER NOT NULL,
    log_offset           BIGINT  NOT NULL,            -- order inside one queue key
    received_at_ms       BIGINT  NOT NULL,            -- when livehook received the event (time filters)
    status               TEXT COLLATE "C" NOT NULL,            -- pending | delivered | dead
    attempts             INTEGER NOT NULL,            -- every attempt ever made (Livehook-Attempt header)
    round_attempts       INTEGER NOT NULL,            -- attempts since last (re)queued: max_attempts counts these
    next_attempt_ms      BIGINT  NOT NULL,
    created_ms           BIGINT  NOT NULL,
    queued_ms            BIGINT  NOT NULL,            -- created or last retried by an operator: max_age counts from it
    delivered_ms         BIGINT,
    dead_ms              BIGINT,
    last_error           TEXT COLLATE "C",
    PRIMARY KEY (destination, event_id, replay)
);
CREATE INDEX deliveries_due ON deliveries (destination, status, next_attempt_ms);
-- Finds each queue's head (its first pending delivery) without reading delivered history.
CREATE INDEX deliveries_by_queue ON deliveries (destination, status, queue_key, log_partition, log_offset, replay);
CREATE INDEX deliveries_by_received ON deliveries (status, received_at_ms);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

-- Every attempt, kept when a delivery is retried. outcome: in_flight while the request is out (a row
-- still in_flight after a crash becomes unknown: sent, answer never recorded), delivered, retry,
-- timeout, connection_error, dead.
CREATE TABLE delivery_attempts (
    destination          TEXT COLLATE "C" NOT NULL,
    event_id             TEXT COLLATE "C" NOT NULL,
    replay               INTEGER NOT NULL,
    attempt              INTEGER NOT NULL,
    started_ms           BIGINT  NOT NULL,
    latency_ms           BIGINT,
    http_status          INTEGER,                     -- null when no HTTP answer came
    error                TEXT COLLATE "C",                        -- connection error, timeout, or why the status failed
    response_snippet     TEXT COLLATE "C",                        -- at most 512 bytes of the response body
    outcome              TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (destination, event_id, replay, attempt)
);
