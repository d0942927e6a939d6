-- Incidents: alerts correlated into one story, the append-only log of everything done to
-- it, and the shared workspace around it (comments, tasks, hand-offs, in-app notices).

create extension if not exists pg_trgm;

-- Correlation rules are data. The defaults mirror CorrelationRule::defaults() (a test checks
-- they agree); administrators edit them. Lower position is tried first.
create table correlation_rule (
    rule_id     text primary key constraint correlation_rule_id_check check (rule_id ~ '^[A-Za-z0-9-]{1,64}$'),
    position    integer not null,
    name        text not null,
    enabled     boolean not null default true,
    window_secs integer not null constraint correlation_rule_window_check check (window_secs between 1 and 2592000),
    -- [{"kind": "ip", "role": "source"}, ...]: the entities two alerts must share.
    join_on     jsonb not null,
    updated_by  text not null default 'default',
    updated_at  timestamptz not null default now()
);

insert into correlation_rule (rule_id, position, name, window_secs, join_on) values
    ('same-flow', 1, 'Same flow (Community ID)', 3600, '[{"kind": "community_id"}]'),
    ('same-conversation', 2, 'Same source and destination address', 3600,
        '[{"kind": "ip", "role": "source"}, {"kind": "ip", "role": "destination"}]'),
    ('same-file', 3, 'Same file hash', 86400, '[{"kind": "hash"}]'),
    ('same-host', 4, 'Same host', 14400, '[{"kind": "host"}]'),
    ('same-user', 5, 'Same user', 14400, '[{"kind": "user"}]'),
    ('same-attacker', 6, 'Same source address', 1800, '[{"kind": "ip", "role": "source"}]');

-- Entities correlation never joins on: kind 'network' holds a CIDR range, any other kind an
-- exact normalised value (a DNS server, a proxy, your own scanner).
create table correlation_exclusion (
    exclusion_id bigint generated always as identity primary key,
    kind         text not null,
    value        text not null,
    note         text not null default '',
    created_by   text not null,
    created_at   timestamptz not null default now(),
    constraint correlation_exclusion_key unique (kind, value)
);

-- One row: entities carried by more alerts than this within an hour are not joined on.
create table correlation_setting (
    singleton     boolean primary key default true constraint correlation_setting_singleton check (singleton),
    max_frequency integer not null constraint correlation_setting_frequency_check check (max_frequency between 1 and 100000000),
    updated_by    text not null default 'default',
    updated_at    timestamptz not null default now()
);
insert into correlation_setting (max_frequency) values (500);

create table incident (
    incident_id       bigint generated always as identity primary key,
    title             text not null,
    status            text not null default 'new' constraint incident_status_check
        check (status in ('new', 'triage', 'investigating', 'contained', 'remediated', 'closed')),
    classification    text constraint incident_classification_check
        check (classification in ('true_positive', 'benign', 'false_positive', 'duplicate')),
    severity          smallint not null constraint incident_severity_check check (severity between 1 and 5),
    priority          smallint not null constraint incident_priority_check check (priority between 1 and 4),
    tier              text not null default 'tier1' constraint incident_tier_check
        check (tier in ('tier1', 'tier2', 'ir', 'noc')),
    owner_user_id     bigint references app_user (user_id),
    tags              text[] not null default '{}',
    attack_techniques text[] not null default '{}',
    tlp               text not null default 'amber' constraint incident_tlp_check
        check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
    -- Alert rows linked, and every alert they stand for (storm heads count their members).
    alert_count       integer not null default 0,
    event_count       bigint not null default 0,
    first_seen        timestamptz not null,
    last_seen         timestamptz not null,
    opened_at         timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    -- Bumped by every edit; an edit names the version it saw (no silent overwrites).
    version           integer not null default 1,
    merged_into       bigint references incident (incident_id),
    constraint incident_closed_classified check ((status = 'closed') = (classification is not null))
);

-- Queues: open incidents by tier, by owner, by priority, all by latest activity.
create index incident_open_tier_idx on incident (tier, last_seen desc, incident_id desc) where status <> 'closed';
create index incident_open_owner_idx on incident (owner_user_id, last_seen desc) where status <> 'closed';
create index incident_open_priority_idx on incident (priority, last_seen desc, incident_id desc) where status <> 'closed';
create index incident_last_seen_idx on incident (last_seen desc, incident_id desc);
create index incident_status_idx on incident (status, last_seen desc);
create index incident_title_search_idx on incident using gin (to_tsvector('english', title));
create index incident_tags_idx on incident using gin (tags);

-- Which incident each alert row is in, and why. Storm members are in their head's incident.
create table incident_alert (
    alert_id       bigint primary key,
    incident_id    bigint not null references incident (incident_id),
    -- The correlation rule and the shared entities that linked it; null when it opened the
    -- incident or a person linked it.
    rule_id        text,
    join_entities  jsonb,
    linked_at      timestamptz not null default now(),
    linked_by      text not null
);
create index incident_alert_incident_idx on incident_alert (incident_id, alert_id desc);

-- Correlation's index: a join key (rule|kind:role:value...) to the open incidents holding it.
-- last_seen is rewritten on every join, so it is left out of every index and pages keep room
-- (fillfactor): the rewrite then stays on its page (a HOT update) and touches no index.
-- Pruning old keys is an hourly sequential scan.
create table correlation_key (
    join_key    text not null,
    incident_id bigint not null,
    last_seen   timestamptz not null,
    primary key (join_key, incident_id)
) with (fillfactor = 80);

-- How many alerts carried each joinable entity this hour and the hour before (the
-- frequency that excludes infrastructure every alert touches).
create table entity_frequency (
    entity         text primary key,
    bucket_start   timestamptz not null,
    bucket_count   integer not null,
    previous_count integer not null default 0
) with (fillfactor = 80);

-- The entities of each incident: the entity panel and the links to other incidents sharing
-- one. Counts and times change with every batch, so they are in no index, and pages
-- keep room: those rewrites stay on their page (HOT) and touch no index.
create table incident_entity (
    incident_id bigint not null references incident (incident_id),
    kind        text not null,
    -- 'source', 'destination', or '' when the source did not say.
    role        text not null,
    value       text not null,
    alert_count integer not null,
    first_seen  timestamptz not null,
    last_seen   timestamptz not null,
    primary key (incident_id, kind, role, value)
) with (fillfactor = 80);
create index incident_entity_value_idx on incident_entity (kind, value, incident_id);

-- Every entity value ever seen, once: what search matches addresses (inet, CIDR containment)
-- and partial names (trigram) against, before finding the incidents that hold it. Written
-- only for values not seen before, so its costly indexes stay off the pipeline's hot path.
create table entity_value (
    kind       text not null,
    value      text not null,
    addr       inet,
    first_seen timestamptz not null default now(),
    primary key (kind, value)
);
create index entity_value_addr_idx on entity_value using gist (addr inet_ops) where addr is not null;
create index entity_value_trgm_idx on entity_value using gin (value gin_trgm_ops);

-- Per incident: alerts per source, and when each ATT&CK technique was first seen. The
-- narrative reads these few rows instead of every linked alert, so the page of an incident
-- of 10,000 alerts reads as fast as one of ten. Kept by the pipeline, recomputed on moves.
create table incident_source (
    incident_id bigint not null references incident (incident_id),
    source      text not null,
    alerts      bigint not null,
    primary key (incident_id, source)
) with (fillfactor = 80);

create table incident_technique (
    incident_id bigint not null references incident (incident_id),
    technique   text not null,
    first_seen  timestamptz not null,
    primary key (incident_id, technique)
);

-- Everything that happened to an incident, in order, never changed afterwards. Clocks and
-- dashboards are computed from it.
create table incident_event (
    event_id      bigint generated always as identity primary key,
    incident_id   bigint not null references incident (incident_id),
    occurred_at   timestamptz not null default now(),
    actor_user_id bigint references app_user (user_id),
    actor         text not null,
    kind          text not null,
    reason        text,
    detail        jsonb not null default '{}'::jsonb,
    -- An undo names the event it reverses; each can be undone once.
    undoes        bigint references incident_event (event_id) constraint incident_event_undone_once unique
);
create index incident_event_incident_idx on incident_event (incident_id, event_id);

create function refuse_incident_event_change() returns trigger language plpgsql as $$
begin
    raise exception 'incident_event is append-only';
end
$$;

create trigger incident_event_append_only
    before update or delete on incident_event
    for each row execute function refuse_incident_event_change();

create table incident_comment (
    comment_id     bigint generated always as identity primary key,
    incident_id    bigint not null references incident (incident_id),
    author_user_id bigint references app_user (user_id),
    author         text not null,
    body           text not null,
    created_at     timestamptz not null default now()
);
create index incident_comment_incident_idx on incident_comment (incident_id, comment_id);
create index incident_comment_search_idx on incident_comment using gin (to_tsvector('english', body));

create table incident_task (
    task_id       bigint generated always as identity primary key,
    incident_id   bigint not null references incident (incident_id),
    title         text not null,
    owner_user_id bigint references app_user (user_id),
    done          boolean not null default false,
    created_by    text not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
create index incident_task_incident_idx on incident_task (incident_id, task_id);
create index incident_task_owner_idx on incident_task (owner_user_id) where not done;

create table incident_handoff (
    handoff_id          bigint generated always as identity primary key,
    incident_id         bigint not null references incident (incident_id),
    from_tier           text not null,
    to_tier             text not null,
    -- {summary, pending, hypotheses, next_actions, risks}
    packet              jsonb not null,
    sent_by_user_id     bigint references app_user (user_id),
    sent_by             text not null,
    sent_at             timestamptz not null default now(),
    acknowledged_by     text,
    acknowledged_at     timestamptz
);
create index incident_handoff_incident_idx on incident_handoff (incident_id, handoff_id);
create index incident_handoff_pending_idx on incident_handoff (to_tier) where acknowledged_at is null;

-- In-app notices: a hand-off to your tier, a task given to you.
create table user_notice (
    notice_id   bigint generated always as identity primary key,
    user_id     bigint not null references app_user (user_id),
    incident_id bigint not null references incident (incident_id),
    text        text not null,
    created_at  timestamptz not null default now(),
    read_at     timestamptz
);
create index user_notice_unread_idx on user_notice (user_id, notice_id desc) where read_at is null;

-- Alerts found by words in their title.
create index alert_title_search_idx on alert using gin (to_tsvector('english', title));
