-- Write costs of correlation, measured with the workspace benchmark (pg_stat_statements).
--
-- Only a join key's most recent holder can ever win it (the rule's window runs from the
-- latest activity; ties go to the oldest incident), so one row per key is enough. Reading
-- every incident that ever held a busy key (a user, a host) cost more than the rest of the
-- pipeline's reads together.
delete from correlation_key k using correlation_key newer
 where newer.join_key = k.join_key
   and (newer.last_seen > k.last_seen or (newer.last_seen = k.last_seen and newer.incident_id < k.incident_id));
alter table correlation_key drop constraint correlation_key_pkey, add primary key (join_key);

-- Correlation writes several rows per alert into these tables, always in the transaction that
-- opens or grows the incident they name, and incidents are never deleted (merges move links;
-- nothing is removed). Each foreign key cost a lookup and a row lock on the incident per row:
-- 40% of these inserts' time.
alter table incident_alert drop constraint incident_alert_incident_id_fkey;
alter table incident_entity drop constraint incident_entity_incident_id_fkey;
alter table incident_source drop constraint incident_source_incident_id_fkey;
alter table incident_technique drop constraint incident_technique_incident_id_fkey;
