-- Containment actions: each one a record of what, where, who asked, who approved, and its
-- state; every state change is a row of its own (with the evidence collected), so the story
-- of an action is never overwritten. States follow riposte_domain::containment::ActionState.

create table containment_action (
    action_id        bigint generated always as identity primary key,
    kind             text not null check (kind in ('block', 'quarantine', 'isolate', 'capture')),
    -- Canonical text: a network (`203.0.113.7/32`) or a host name.
    target           text not null,
    direction        text check (direction in ('inbound', 'outbound', 'both')),
    connector        text not null,
    incident_id      bigint references incident (incident_id),
    state            text not null check (state in ('awaiting_approval', 'approved', 'applying', 'applied',
        'verified', 'rolling_back:undo', 'rolling_back:expiry', 'rolling_back:unverified', 'undone', 'expired',
        'rejected', 'failed')),
    reason           text not null,
    ttl_secs         integer not null check (ttl_secs between 60 and 2592000),
    requested_by     text not null,
    requested_by_user_id bigint references app_user (user_id),
    approved_by      text,
    approved_by_user_id bigint references app_user (user_id),
    -- A person's written override of protected entries or the breadth limit.
    override_reason  text,
    -- The guard's verdict and the blast radius as shown when it was requested.
    concerns         jsonb not null default '[]',
    blast_radius     jsonb not null default '{}',
    -- Asking twice with the same key (a retried request, a double click) gives the same action.
    idempotency_key  text not null unique,
    -- Set while the change may be in force: when the time to live runs out.
    expires_at       timestamptz,
    requested_at     timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);
create index containment_action_open_idx on containment_action (state, action_id)
    where state not in ('undone', 'expired', 'rejected', 'failed');
create index containment_action_incident_idx on containment_action (incident_id, action_id desc)
    where incident_id is not null;

create table containment_action_event (
    event_id   bigint generated always as identity primary key,
    action_id  bigint not null references containment_action (action_id),
    at         timestamptz not null default now(),
    actor      text not null,
    event      text not null,
    from_state text,
    to_state   text not null,
    evidence   jsonb not null default '{}'
);
create index containment_action_event_action_idx on containment_action_event (action_id, event_id);

-- Guard rails an administrator keeps: what must not be blocked without a written override.
create table containment_protected (
    protected_id bigint generated always as identity primary key,
    net          cidr not null unique,
    why          text not null check (why <> ''),
    created_by   text not null,
    created_at   timestamptz not null default now()
);

create table containment_setting (
    singleton     boolean primary key default true check (singleton),
    internal      cidr[] not null default '{10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7, fe80::/10}',
    broadest_v4   smallint not null default 24 check (broadest_v4 between 0 and 32),
    broadest_v6   smallint not null default 48 check (broadest_v6 between 0 and 128),
    critical_from smallint not null default 4 check (critical_from between 1 and 6),
    approver_roles text[] not null default '{ir, admin}',
    updated_by    text not null default 'migration',
    updated_at    timestamptz not null default now()
);
insert into containment_setting default values;
