-- The raw event log. position is the rowid: one writer appends, so positions follow commit order.
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL UNIQUE,
    event_type      TEXT    NOT NULL,
    queue_key       TEXT    NOT NULL,
    origin          TEXT    NOT NULL,
    key_id          TEXT    NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    duplicates      INTEGER NOT NULL DEFAULT 0,
    body            BLOB    NOT NULL
);

-- Signed bodies that are not readable events: kept, never processed, listed for a person to look at.
CREATE TABLE quarantine (
    id              INTEGER PRIMARY KEY,
    key_id          TEXT    NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    reason          TEXT    NOT NULL,
    body            BLOB    NOT NULL
);
