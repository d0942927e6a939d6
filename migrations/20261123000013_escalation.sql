-- The escalation matrix: versioned rule sets, sequence progress per key, escalations with
-- their why-traces, the outbox that feeds context events to the escalation stage, and the
-- notification channels that page on-call.

-- Every saved version of the rule set: the text an administrator reviewed and the checked
-- rules (the data the pipeline reads). The highest version is in force.
create table escalation_rule_set (
    version  integer primary key,
    text     text not null,
    rules    jsonb not null,
    saved_by text not null,
    saved_at timestamptz not null default now(),
    comment  text not null default ''
);

-- Progress of each sequence rule per key (a user, a host, an address): the events that met
-- each step so far. `joins` holds the field values later steps share (src_ip=...), so an
-- event without the key (a firewall allow has no user) still finds its state.
create table escalation_state (
    rule_name  text not null,
    key        text not null,
    state      jsonb not null,
    joins      text[] not null default '{}',
    expires_at timestamptz not null,
    primary key (rule_name, key)
);
create index escalation_state_joins_idx on escalation_state using gin (joins);
create index escalation_state_expires_idx on escalation_state (expires_at);

-- Each escalation and its why-trace. An incident is escalated once per rule; later matches
-- count as repeats. When the events held no alert (logons and firewall decisions only),
-- Riposte raises one, and the escalation waits for it to land in an incident.
create table escalation (
    escalation_id   bigint generated always as identity primary key,
    incident_id     bigint references incident (incident_id),
    raised_alert_id bigint references alert (alert_id),
    rule_name       text not null,
    rule_version    integer not null,
    trace           jsonb not null,
    fired_at        timestamptz not null default now(),
    repeats         integer not null default 0,
    last_fired_at   timestamptz not null default now()
);
create unique index escalation_incident_rule_idx on escalation (incident_id, rule_name) where incident_id is not null;
create index escalation_waiting_idx on escalation (raised_alert_id) where incident_id is null;

-- Context events the escalation stage has not yet seen, queued by the statement that stores
-- them (as alert_pipeline queues alerts).
create table context_pipeline (
    context_event_id bigint primary key
);

-- Where pages go: a generic JSON webhook, or a Slack- or Teams-style incoming webhook.
create table notification_channel (
    name       text primary key constraint notification_channel_name_check
        check (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    kind       text not null constraint notification_channel_kind_check check (kind in ('webhook', 'slack', 'teams')),
    url        text not null,
    created_by text not null,
    created_at timestamptz not null default now()
);

-- Every message sent or to be sent, retried with backoff until delivered or given up.
create table notification (
    notification_id bigint generated always as identity primary key,
    channel         text not null,
    incident_id     bigint references incident (incident_id),
    subject         text not null,
    body            jsonb not null,
    status          text not null default 'pending'
        constraint notification_status_check check (status in ('pending', 'sent', 'failed')),
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    created_at      timestamptz not null default now(),
    sent_at         timestamptz
);
create index notification_due_idx on notification (next_attempt_at) where status = 'pending';
create index notification_incident_idx on notification (incident_id, notification_id);
