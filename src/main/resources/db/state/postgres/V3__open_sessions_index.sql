-- Who is in a room now is counted on every join (peak participants): a covering index of the open sessions
-- keeps that count to the room's open sessions, read from the index alone, not every session it ever had.
CREATE INDEX sessions_open_by_room ON sessions (room_sid, identity) WHERE end_source IS NULL;
