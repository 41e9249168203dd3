-- Bodies stay in the event log, which keeps every one, and are read from it by position (log_partition,
-- log_offset): a second copy here, with an index per way of looking, was most of what applying an event cost.
-- body_bytes keeps the size the event list shows. Lookups by type or identity go through the remaining indexes.
ALTER TABLE events ADD COLUMN body_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE events SET body_bytes = length(body);
DROP INDEX events_by_type;
DROP INDEX events_by_identity;
ALTER TABLE events DROP COLUMN body;
