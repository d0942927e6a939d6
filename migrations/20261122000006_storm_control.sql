-- Storm control: a flood of one signature from one source becomes one queue row (the head)
-- with a running count; every original stays stored, pointing at its head.

alter table alert
    add column rollup_id   bigint references alert (alert_id),
    add column occurrences integer not null default 1,
    add column last_seen   timestamptz;

create index alert_rollup_idx on alert (rollup_id) where rollup_id is not null;
-- The queue lists heads and lone alerts only.
create index alert_queue_idx on alert (received_at desc, alert_id desc) where rollup_id is null;

create table storm_policy (
    -- A source name, or '*' for sources without their own policy.
    source      text primary key,
    enabled     boolean not null,
    threshold   integer not null constraint storm_policy_threshold_check check (threshold between 0 and 1000000),
    window_secs integer not null constraint storm_policy_window_check check (window_secs between 1 and 604800),
    group_by    text[] not null default '{}',
    updated_by  text not null,
    updated_at  timestamptz not null default now()
);

insert into storm_policy (source, enabled, threshold, window_secs, group_by, updated_by)
values ('*', true, 20, 60, '{}', 'default');

create table storm_state (
    source        text not null,
    storm_key     text not null,
    window_start  timestamptz not null default now(),
    window_count  integer not null default 0,
    head_alert_id bigint references alert (alert_id),
    last_seen     timestamptz,
    primary key (source, storm_key)
);
