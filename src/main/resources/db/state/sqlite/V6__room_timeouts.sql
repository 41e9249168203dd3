-- How long LiveKit keeps each room open once empty, as the room in its webhooks says (seconds; 0 when the
-- body left it out): without LiveKit's RoomService to ask, a room silent that long, plus a margin, is ended as
-- inferred.
CREATE TABLE room_timeouts (
    room_sid             TEXT    PRIMARY KEY,
    empty_timeout_s      INTEGER NOT NULL,
    departure_timeout_s  INTEGER NOT NULL
);
