-- Alerts in the one normalised model, and the per-source tokens that may send them.

create table ingest_token (
    token_id     bigint generated always as identity primary key,
    name         text not null,
    -- Alerts sent with this token are attributed to this source.
    source       text not null,
    scopes       text[] not null,
    -- SHA-256 of the secret; the secret itself is shown once and never stored.
    token_hash   bytea not null constraint ingest_token_hash_key unique,
    -- The first characters of the secret, to tell tokens apart in lists.
    prefix       text not null,
    created_by   text not null,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

create table alert (
    alert_id          bigint generated always as identity primary key,
    source            text not null,
    source_ref        text,
    dedup_key         text not null,
    title             text not null,
    description       text not null default '',
    severity          smallint not null constraint alert_severity_check check (severity between 1 and 5),
    status            text not null default 'new'
        constraint alert_status_check check (status in ('new', 'acknowledged', 'in_incident', 'dismissed')),
    event_time        timestamptz,
    received_at       timestamptz not null default now(),
    entities          jsonb not null default '[]'::jsonb,
    attack_techniques text[] not null default '{}',
    tags              text[] not null default '{}',
    -- The payload exactly as received.
    raw               text not null,
    constraint alert_source_dedup_key unique (source, dedup_key)
);

create index alert_received_at_idx on alert (received_at desc, alert_id desc);
create index alert_status_received_at_idx on alert (status, received_at desc);
create index alert_entities_idx on alert using gin (entities jsonb_path_ops);
