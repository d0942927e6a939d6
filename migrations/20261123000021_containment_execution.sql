-- Containment, executed: the connectors administrators configure, the job columns that let
-- an action survive a restart, the NOC's notices, pre-authorised policies, and the SIEM
-- outputs every state change is sent to.

-- A configured connector. Its secret is never stored here: `secret_ref` names where the
-- server reads it (`env:NAME` or `file:/path`), so a database dump holds no vendor keys.
create table containment_connector (
    name        text primary key check (name ~ '^[A-Za-z0-9_-]{1,64}$'),
    kind        text not null,
    config      jsonb not null default '{}',
    secret_ref  text,
    -- Addresses it can act on when the inventory does not say (per-connector ranges).
    ranges      cidr[] not null default '{}',
    -- Its own management address: never blocked without a written override.
    management  cidr[] not null default '{}',
    enabled     boolean not null default true,
    -- Credential health, from the last check, and the last action that went through.
    checked_at  timestamptz,
    check_ok    boolean,
    check_message text,
    last_success_at timestamptz,
    created_by  text not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- The job side of an action: when it may next be worked on, whose lease holds it (a server
-- that died mid-way lets go when the lease runs out), how many tries so far.
alter table containment_action
    add column next_try_at  timestamptz not null default now(),
    add column lease_until  timestamptz,
    add column attempts     integer not null default 0,
    add column last_error   text,
    -- Verification of an apply that the device reports pending gives up at this time.
    add column verify_until timestamptz,
    -- A pre-authorised policy's action: in force before a person saw it.
    add column policy_id    bigint,
    add column needs_review boolean not null default false,
    add column reviewed_by  text,
    add column reviewed_at  timestamptz,
    add column finished_at  timestamptz;
create index containment_action_due_idx on containment_action (next_try_at)
    where state not in ('undone', 'expired', 'rejected', 'failed');
create index containment_action_review_idx on containment_action (action_id) where needs_review;

-- What the NOC is told: every apply, undo, expiry and failure, with the exact change.
create table containment_notice (
    notice_id    bigint generated always as identity primary key,
    action_id    bigint not null references containment_action (action_id),
    event        text not null,
    change       text not null,
    created_at   timestamptz not null default now(),
    acknowledged_by text,
    acknowledged_at timestamptz,
    objection    text,
    objected_by  text,
    objected_at  timestamptz
);
create index containment_notice_open_idx on containment_notice (notice_id desc) where acknowledged_at is null;
create index containment_notice_action_idx on containment_notice (action_id);

-- Channels (of notification_channel) every notice is also sent to.
alter table containment_setting add column notice_channels text[] not null default '{}';

-- Pre-authorised: when an alert matches, the action runs without a person, within a rate cap.
create table containment_policy (
    policy_id    bigint generated always as identity primary key,
    name         text not null unique check (name <> ''),
    enabled      boolean not null default true,
    -- riposte_domain::containment::policy::Condition as JSON.
    condition    jsonb not null,
    kind         text not null check (kind in ('block', 'quarantine', 'isolate', 'capture')),
    direction    text check (direction in ('inbound', 'outbound', 'both')),
    -- Which of the alert's addresses: its source (the attacker, usually) or destination.
    aim          text not null default 'source' check (aim in ('source', 'destination', 'host')),
    connector    text not null,
    ttl_secs     integer not null check (ttl_secs between 60 and 2592000),
    -- At most this many actions per hour; past it, matches are recorded but not acted on.
    rate_cap_per_hour integer not null check (rate_cap_per_hour between 1 and 10000),
    created_by   text not null,
    updated_at   timestamptz not null default now()
);
alter table containment_action
    add constraint containment_action_policy_fk foreign key (policy_id) references containment_policy (policy_id);
create index containment_action_policy_idx on containment_action (policy_id, requested_at) where policy_id is not null;

-- SIEM outputs: syslog (RFC 5424 carrying CEF) over TCP or UDP, or Splunk HEC.
create table siem_output (
    name        text primary key check (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    kind        text not null check (kind in ('syslog_tcp', 'syslog_udp', 'hec')),
    -- host:port for syslog, the collector's base URL for HEC.
    address     text not null,
    token_ref   text,
    enabled     boolean not null default true,
    created_by  text not null,
    created_at  timestamptz not null default now()
);

-- Messages waiting for an output, written in the transaction of the state change they tell
-- of (nothing is sent for a change that rolled back) and sent after it, never in its way.
create table siem_outbox (
    message_id  bigint generated always as identity primary key,
    output      text not null references siem_output (name) on delete cascade,
    payload     jsonb not null,
    created_at  timestamptz not null default now(),
    attempts    integer not null default 0,
    next_try_at timestamptz not null default now(),
    lease_until timestamptz,
    sent_at     timestamptz,
    last_error  text
);
create index siem_outbox_due_idx on siem_outbox (next_try_at) where sent_at is null;
