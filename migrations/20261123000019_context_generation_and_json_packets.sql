-- Each pipeline worker keeps in memory which asset and indicator keys exist, so that most
-- of a batch's values are ruled out without a database probe. Every statement that changes
-- assets or indicators bumps a counter here in its own transaction; a worker that reads a
-- new value rebuilds its filter. The counter row is locked until that transaction ends, so
-- a worker never sees the new value before the change itself is visible.
create table context_generation (
    name       text primary key check (name in ('assets', 'indicators')),
    generation bigint not null default 0
);
insert into context_generation (name) values ('assets'), ('indicators');

create function bump_context_generation() returns trigger language plpgsql as $$
begin
    update context_generation set generation = generation + 1 where name = tg_argv[0];
    return null;
end
$$;

create trigger asset_changed after insert or update or delete or truncate on asset
    for each statement execute function bump_context_generation('assets');
create trigger asset_address_changed after insert or update or delete or truncate on asset_address
    for each statement execute function bump_context_generation('assets');
create trigger indicator_changed after insert or update or delete or truncate on indicator
    for each statement execute function bump_context_generation('indicators');

-- Context packets are written once per alert and read whole, never queried inside: `json`
-- keeps the text as sent, where `jsonb` would parse and rebuild it (about half the cost of
-- storing a pipeline batch).
alter table alert_context
    alter column packet type json using packet::json,
    alter column breakdown type json using breakdown::json;
