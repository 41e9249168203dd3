-- The state livehook derives from the event log, in PostgreSQL (db/state/sqlite has the same tables for SQLite:
-- the SQL that reads and writes them is one for both). Times are Unix milliseconds unless a column says otherwise.
-- Text compares byte-wise (COLLATE "C"), as in SQLite, so that lists come in the same order on both.
-- *_source columns say how a fact is known: from its own event, from another event (room_finished,
-- participant_left), inferred, or reconciled.

-- Every event applied, in log order: the dedupe record (event_id), the timeline, and the raw archive.
CREATE TABLE events (
    event_id             TEXT COLLATE "C" PRIMARY KEY,
    log_partition        INTEGER NOT NULL,
    log_offset           BIGINT  NOT NULL,
    event_type           TEXT COLLATE "C" NOT NULL,
    known_type           INTEGER NOT NULL,
    queue_key            TEXT COLLATE "C" NOT NULL,
    room_sid             TEXT COLLATE "C",
    room_name            TEXT COLLATE "C",
    participant_sid      TEXT COLLATE "C",
    participant_identity TEXT COLLATE "C",
    track_sid            TEXT COLLATE "C",
    egress_id            TEXT COLLATE "C",
    ingress_id           TEXT COLLATE "C",
    created_at_ms        BIGINT,
    received_at_ms       BIGINT  NOT NULL,
    origin               TEXT COLLATE "C" NOT NULL,
    key_id               TEXT COLLATE "C" NOT NULL,
    body                 BYTEA   NOT NULL
);
CREATE INDEX events_by_room ON events (room_name, log_partition, log_offset);
CREATE INDEX events_by_room_sid ON events (room_sid, log_partition, log_offset);
CREATE INDEX events_by_type ON events (event_type, received_at_ms);
CREATE INDEX events_by_received ON events (received_at_ms);
CREATE INDEX events_by_identity ON events (participant_identity);

CREATE TABLE rooms (
    sid                  TEXT COLLATE "C" PRIMARY KEY,
    name                 TEXT COLLATE "C" NOT NULL,
    status               TEXT COLLATE "C" NOT NULL,            -- active | finished
    started_at_ms        BIGINT,
    start_source         TEXT COLLATE "C" NOT NULL,            -- room_started | inferred | reconciled
    finished_at_ms       BIGINT,
    end_source           TEXT COLLATE "C",                        -- room_finished | reconciled
    metadata             TEXT COLLATE "C" NOT NULL DEFAULT '',
    peak_participants    INTEGER NOT NULL DEFAULT 0,
    last_event_ms        BIGINT  NOT NULL
);
CREATE INDEX rooms_by_name ON rooms (name, started_at_ms);
CREATE INDEX rooms_by_status ON rooms (status);

-- One row per participant connection (sid). Presence is by identity: several sids may share one.
CREATE TABLE sessions (
    sid                  TEXT COLLATE "C" PRIMARY KEY,
    room_sid             TEXT COLLATE "C" NOT NULL,
    room_name            TEXT COLLATE "C" NOT NULL,
    identity             TEXT COLLATE "C" NOT NULL,
    name                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    kind                 TEXT COLLATE "C" NOT NULL DEFAULT 'STANDARD',
    metadata             TEXT COLLATE "C" NOT NULL DEFAULT '',
    joined_at_ms         BIGINT,
    start_source         TEXT COLLATE "C" NOT NULL,            -- participant_joined | participant_left | connection_aborted | inferred | reconciled
    left_at_ms           BIGINT,
    end_source           TEXT COLLATE "C",                        -- participant_left | connection_aborted | room_finished | reconciled
    final_state          TEXT COLLATE "C",
    disconnect_reason    TEXT COLLATE "C",
    last_event_ms        BIGINT  NOT NULL
);
CREATE INDEX sessions_by_room ON sessions (room_sid, left_at_ms);
CREATE INDEX sessions_by_identity ON sessions (identity, joined_at_ms);

CREATE TABLE tracks (
    sid                  TEXT COLLATE "C" PRIMARY KEY,
    participant_sid      TEXT COLLATE "C" NOT NULL,
    room_sid             TEXT COLLATE "C" NOT NULL,
    type                 TEXT COLLATE "C" NOT NULL DEFAULT 'AUDIO',
    source               TEXT COLLATE "C" NOT NULL DEFAULT 'UNKNOWN',
    mime_type            TEXT COLLATE "C" NOT NULL DEFAULT '',
    name                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    published_at_ms      BIGINT,
    publish_source       TEXT COLLATE "C" NOT NULL,            -- track_published | inferred
    unpublished_at_ms    BIGINT,
    end_source           TEXT COLLATE "C"                -- track_unpublished | participant_left | room_finished | reconciled
);
CREATE INDEX tracks_by_participant ON tracks (participant_sid);
CREATE INDEX tracks_by_room ON tracks (room_sid);

CREATE TABLE egress (
    egress_id            TEXT COLLATE "C" PRIMARY KEY,
    room_sid             TEXT COLLATE "C" NOT NULL DEFAULT '',
    room_name            TEXT COLLATE "C" NOT NULL DEFAULT '',
    status               TEXT COLLATE "C" NOT NULL,
    started_at_ns        BIGINT,
    ended_at_ns          BIGINT,
    updated_at_ns        BIGINT  NOT NULL DEFAULT 0,
    error                TEXT COLLATE "C" NOT NULL DEFAULT '',
    results              TEXT COLLATE "C" NOT NULL DEFAULT '{}' -- file, stream, segment and image results as JSON
);
CREATE INDEX egress_by_room ON egress (room_name);

CREATE TABLE egress_history (
    egress_id            TEXT COLLATE "C" NOT NULL,
    event_id             TEXT COLLATE "C" NOT NULL,
    status               TEXT COLLATE "C" NOT NULL,
    updated_at_ns        BIGINT  NOT NULL,
    PRIMARY KEY (egress_id, event_id)
);

CREATE TABLE ingress (
    ingress_id           TEXT COLLATE "C" PRIMARY KEY,
    name                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    room_name            TEXT COLLATE "C" NOT NULL DEFAULT '',
    participant_identity TEXT COLLATE "C" NOT NULL DEFAULT '',
    status               TEXT COLLATE "C" NOT NULL,
    error                TEXT COLLATE "C" NOT NULL DEFAULT '',
    started_at_ms        BIGINT,
    ended_at_ms          BIGINT,
    updated_at_ms        BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE ingress_history (
    ingress_id           TEXT COLLATE "C" NOT NULL,
    event_id             TEXT COLLATE "C" NOT NULL,
    status               TEXT COLLATE "C" NOT NULL,
    updated_at_ms        BIGINT  NOT NULL,
    PRIMARY KEY (ingress_id, event_id)
);

-- Every inference livehook made, with the events that led to it.
CREATE TABLE anomalies (
    id                   BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind                 TEXT COLLATE "C" NOT NULL,
    room_sid             TEXT COLLATE "C",
    room_name            TEXT COLLATE "C",
    participant_sid      TEXT COLLATE "C",
    identity             TEXT COLLATE "C",
    event_ids            TEXT COLLATE "C" NOT NULL,
    detail               TEXT COLLATE "C" NOT NULL,
    at_ms                BIGINT  NOT NULL
);
CREATE INDEX anomalies_by_room ON anomalies (room_name, at_ms);

-- Events that could not be applied. status: open | retrying | resolved.
CREATE TABLE dead_letters (
    event_id             TEXT COLLATE "C" PRIMARY KEY,
    log_partition        INTEGER NOT NULL,
    log_offset           BIGINT  NOT NULL,
    event_type           TEXT COLLATE "C" NOT NULL,
    queue_key            TEXT COLLATE "C" NOT NULL,
    error                TEXT COLLATE "C" NOT NULL,
    attempts             INTEGER NOT NULL,
    status               TEXT COLLATE "C" NOT NULL,
    first_failed_ms      BIGINT  NOT NULL,
    last_failed_ms       BIGINT  NOT NULL
);

-- How far each consumer has read the log: every offset at or below is applied or dead-lettered.
CREATE TABLE checkpoints (
    consumer             TEXT COLLATE "C" NOT NULL,
    log_partition        INTEGER NOT NULL,
    log_offset           BIGINT  NOT NULL,
    PRIMARY KEY (consumer, log_partition)
);
