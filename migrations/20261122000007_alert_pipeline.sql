-- The post-commit pipeline's outbox. Ingest adds each new alert here in the same statement
-- that stores it; the pipeline worker removes it once the later stages (storm roll-up now,
-- correlation and enrichment next) have run. Being durable, a crash between ingest's commit
-- and the pipeline loses nothing: the next start carries on from here.
--
-- No foreign keys, here or on alert.rollup_id: alerts are never deleted (TheHive's delete
-- dismisses and keeps them), so a reference can never dangle, while a foreign key costs a
-- trigger and a locking lookup for every row ingest inserts and every storm member rolled up.
create table alert_pipeline (
    alert_id bigint primary key
);
alter table alert drop constraint alert_rollup_id_fkey;
-- Alerts stored before this migration were rolled up at insert time; nothing to backfill.
