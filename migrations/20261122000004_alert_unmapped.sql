-- A source's own attributes that the normalised model has no column for (OCSF `unmapped`),
-- such as TheHive's type, tlp, pap, custom fields and observables, so its compatible API can
-- answer in TheHive's shape.
alter table alert add column unmapped jsonb;

-- TheHive clients look alerts up by their (type, source, sourceRef).
create index alert_source_ref_idx on alert (source, source_ref) where source_ref is not null;
