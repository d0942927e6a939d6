-- Write costs of the post-commit pipeline, measured with the ingest benchmark.
--
-- Storm heads' running counts (occurrences, last_seen) are rewritten on every pipeline batch.
-- Neither column is indexed, so with room left on each page the rewrite stays on the page
-- (a HOT update) instead of adding an entry to every one of alert's indexes, GIN included.
alter table alert set (fillfactor = 85);

-- Only the pipeline writes storm_state, under its lock, and alerts are never deleted (see the
-- pipeline migration): the foreign key only cost a lookup on every head change.
alter table storm_state drop constraint storm_state_head_alert_id_fkey;
