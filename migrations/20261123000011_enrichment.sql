-- Enrichment: the asset inventory, threat-intelligence indicators, the context packet and
-- triage score of each alert, and the score's weights.

create table asset (
    asset_id        bigint generated always as identity primary key,
    -- The name when there is one, else the first address: what an import updates by.
    natural_key     text not null unique,
    name            text not null default '',
    owner           text not null default '',
    service         text not null default '',
    criticality     smallint not null check (criticality between 1 and 5),
    segment         text not null default '',
    internet_facing boolean not null default false,
    tags            text[] not null default '{}',
    connectors      text[] not null default '{}',
    updated_at      timestamptz not null default now(),
    updated_by      text not null
);
create index asset_name_idx on asset (name) where name <> '';
-- Sensors often name a host by its first label only ("dc01" for "dc01.corp.example").
create index asset_short_name_idx on asset (split_part(name, '.', 1)) where name <> '';

-- Addresses and ranges of each asset; containment (`net >>= address`) through GiST.
create table asset_address (
    asset_id bigint not null references asset (asset_id) on delete cascade,
    net      inet not null,
    primary key (asset_id, net)
);
create index asset_address_net_idx on asset_address using gist (net inet_ops);

create table indicator (
    indicator_id bigint generated always as identity primary key,
    kind         text not null check (kind in ('ip', 'cidr', 'domain', 'url', 'hash', 'email')),
    value        text not null,
    source       text not null,
    confidence   smallint not null check (confidence between 0 and 100),
    tlp          text not null,
    description  text not null default '',
    expires_at   timestamptz,
    -- Ranges only, for containment; single addresses match by value.
    net          inet,
    first_seen   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    unique (kind, value, source)
);
create index indicator_net_idx on indicator using gist (net inet_ops) where net is not null;

-- One row per enriched alert: what matched, how each enricher fared, the score and why.
create table alert_context (
    alert_id    bigint primary key,
    packet      jsonb not null,
    score       smallint not null check (score between 0 and 100),
    breakdown   jsonb not null,
    enriched_at timestamptz not null default now(),
    -- From receipt to enrichment: the alert's time to enrich.
    enrich_ms   integer not null
);

create table score_setting (
    only_row   boolean primary key default true check (only_row),
    weights    jsonb not null,
    updated_at timestamptz not null default now(),
    updated_by text not null
);
insert into score_setting (weights, updated_by) values (
    '{"severity":[0.1,0.3,0.5,0.8,1.0],"unknown_criticality":3,"internal":0.8,"unknown_exposure":0.9,"no_intel":0.7,"default_precision":1.0}',
    'migration');

-- An incident's priority follows its highest-scoring alert (raised, never lowered by it).
alter table incident add column score smallint not null default 0;
