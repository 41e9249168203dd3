-- The state livehook derives from the event log. Portable SQL (SQLite and PostgreSQL); times are
-- Unix milliseconds unless a column says otherwise. *_source columns say how a fact is known:
-- from its own event, from another event (room_finished, participant_left), inferred, or reconciled.

-- Every event applied, in log order: the dedupe record (event_id), the timeline, and the raw archive.
CREATE TABLE events (
    event_id             TEXT    PRIMARY KEY,
    log_partition        INTEGER NOT NULL,
    log_offset           BIGINT  NOT NULL,
    event_type           TEXT    NOT NULL,
    known_type           INTEGER NOT NULL,
    queue_key            TEXT    NOT NULL,
    room_sid             TEXT,
    room_name            TEXT,
    participant_sid      TEXT,
    participant_identity TEXT,
    track_sid            TEXT,
    egress_id            TEXT,
    ingress_id           TEXT,
    created_at_ms        BIGINT,
    received_at_ms       BIGINT  NOT NULL,
    origin               TEXT    NOT NULL,
    key_id               TEXT    NOT NULL,
    body                 BLOB    NOT NULL
);
CREATE INDEX events_by_room ON events (room_name, log_partition, log_offset);
CREATE INDEX events_by_room_sid ON events (room_sid, log_partition, log_offset);
CREATE INDEX events_by_type ON events (event_type, received_at_ms);
CREATE INDEX events_by_received ON events (received_at_ms);
CREATE INDEX events_by_identity ON events (participant_identity);

CREATE TABLE rooms (
    sid                  TEXT    PRIMARY KEY,
    name                 TEXT    NOT NULL,
    status               TEXT    NOT NULL,            -- active | finished
    started_at_ms        BIGINT,
    start_source         TEXT    NOT NULL,            -- room_started | inferred | reconciled
    finished_at_ms       BIGINT,
    end_source           TEXT,                        -- room_finished | reconciled
    metadata             TEXT    NOT NULL DEFAULT '',
    peak_participants    INTEGER NOT NULL DEFAULT 0,
    last_event_ms        BIGINT  NOT NULL
);
CREATE INDEX rooms_by_name ON rooms (name, started_at_ms);
CREATE INDEX rooms_by_status ON rooms (status);

-- One row per participant connection (sid). Presence is by identity: several sids may share one.
CREATE TABLE sessions (
    sid                  TEXT    PRIMARY KEY,
    room_sid             TEXT    NOT NULL,
    room_name            TEXT    NOT NULL,
    identity             TEXT    NOT NULL,
    name                 TEXT    NOT NULL DEFAULT '',
    kind                 TEXT    NOT NULL DEFAULT 'STANDARD',
    metadata             TEXT    NOT NULL DEFAULT '',
    joined_at_ms         BIGINT,
    start_source         TEXT    NOT NULL,            -- participant_joined | participant_left | connection_aborted | inferred | reconciled
    left_at_ms           BIGINT,
    end_source           TEXT,                        -- participant_left | connection_aborted | room_finished | reconciled
    final_state          TEXT,
    disconnect_reason    TEXT,
    last_event_ms        BIGINT  NOT NULL
);
CREATE INDEX sessions_by_room ON sessions (room_sid, left_at_ms);
CREATE INDEX sessions_by_identity ON sessions (identity, joined_at_ms);

CREATE TABLE tracks (
    sid                  TEXT    PRIMARY KEY,
    participant_sid      TEXT    NOT NULL,
    room_sid             TEXT    NOT NULL,
    type                 TEXT    NOT NULL DEFAULT 'AUDIO',
    source               TEXT    NOT NULL DEFAULT 'UNKNOWN',
    mime_type            TEXT    NOT NULL DEFAULT '',
    name                 TEXT    NOT NULL DEFAULT '',
    published_at_ms      BIGINT,
    publish_source       TEXT    NOT NULL,            -- track_published | inferred
    unpublished_at_ms    BIGINT,
    end_source           TEXT                         -- track_unpublished | participant_left | room_finished | reconciled
);
CREATE INDEX tracks_by_participant ON tracks (participant_sid);
CREATE INDEX tracks_by_room ON tracks (room_sid);

CREATE TABLE egress (
    egress_id            TEXT    PRIMARY KEY,
    room_sid             TEXT    NOT NULL DEFAULT '',
    room_name            TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL,
    started_at_ns        BIGINT,
    ended_at_ns          BIGINT,
    updated_at_ns        BIGINT  NOT NULL DEFAULT 0,
    error                TEXT    NOT NULL DEFAULT '',
    results              TEXT    NOT NULL DEFAULT '{}' -- file, stream, segment and image results as JSON
);
CREATE INDEX egress_by_room ON egress (room_name);

CREATE TABLE egress_history (
    egress_id            TEXT    NOT NULL,
    event_id             TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    updated_at_ns        BIGINT  NOT NULL,
    PRIMARY KEY (egress_id, event_id)
);

CREATE TABLE ingress (
    ingress_id           TEXT    PRIMARY KEY,
    name                 TEXT    NOT NULL DEFAULT '',
    room_name            TEXT    NOT NULL DEFAULT '',
    participant_identity TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL,
    error                TEXT    NOT NULL DEFAULT '',
    started_at_ms        BIGINT,
    ended_at_ms          BIGINT,
    updated_at_ms        BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE ingress_history (
    ingress_id           TEXT    NOT NULL,
    event_id             TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    updated_at_ms        BIGINT  NOT NULL,
    PRIMARY KEY (ingress_id, event_id)
);

-- Every inference livehook made, with the events that led to it.
CREATE TABLE anomalies (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT    NOT NULL,
    room_sid             TEXT,
    room_name            TEXT,
    participant_sid      TEXT,
    identity             TEXT,
    event_ids            TEXT    NOT NULL,
    detail               TEXT    NOT NULL,
    at_ms                BIGINT  NOT NULL
);
CREATE INDEX anomalies_by_room ON anomalies (room_name, at_ms);

-- Events that could not be applied. status: open | retrying | resolved.
CREATE TABLE dead_letters (
    event_id             TEXT    PRIMARY KEY,
    log_partition        INTEGER NOT NULL,
    log_offset           BIGINT  NOT NULL,
    event_type           TEXT    NOT NULL,
    queue_key            TEXT    NOT NULL,
    error                TEXT    NOT NULL,
    attempts             INTEGER NOT NULL,
    status               TEXT    NOT NULL,
    first_failed_ms      BIGINT  NOT NULL,
    last_failed_ms       BIGINT  NOT NULL
);

-- How far each consumer has read the log: every offset at or below is applied or dead-lettered.
CREATE TABLE checkpoints (
    consumer             TEXT    NOT NULL,
    log_partition        INTEGER NOT NULL,
    log_offset           BIGINT  NOT NULL,
    PRIMARY KEY (consumer, log_partition)
);
