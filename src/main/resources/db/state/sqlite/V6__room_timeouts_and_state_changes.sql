-- How long LiveKit keeps each room open once empty, as the room in its webhooks says (seconds; 0 when the
-- body left it out): without LiveKit's RoomService to ask, a room silent that long, plus a margin, is ended as
-- inferred.
CREATE TABLE room_timeouts (
    room_sid             TEXT    PRIMARY KEY,
    empty_timeout_s      INTEGER NOT NULL,
    departure_timeout_s  INTEGER NOT NULL
);

-- What the app can follow live (GET /api/stream): every change of presence, in the order processing committed
-- it, written in the same transaction as the change. AUTOINCREMENT: ids never come back, even once pruning has
-- emptied the table, so that a client's Last-Event-ID always means the same place.
CREATE TABLE state_changes (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                 TEXT    NOT NULL,            -- session_opened | session_ended | track_published | ...
    room_sid             TEXT    NOT NULL,
    room_name            TEXT    NOT NULL,
    participant_sid      TEXT,
    identity             TEXT,
    track_sid            TEXT,
    source               TEXT,                        -- how it is known: participant_joined, reconciled, ...
    event_id             TEXT    NOT NULL,
    at_ms                BIGINT  NOT NULL,
    recorded_ms          BIGINT  NOT NULL
);
