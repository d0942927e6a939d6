-- SLA timers: per priority, how long an incident may wait to be acknowledged and to be
-- contained. The clocks pause while the incident waits on an external party (an ISP, a
-- vendor, the asset owner); a breach is written once to the incident log.

create table sla_target (
    priority        smallint primary key constraint sla_target_priority_check check (priority between 1 and 4),
    ack_minutes     integer not null constraint sla_target_ack_check check (ack_minutes between 1 and 525600),
    contain_minutes integer not null constraint sla_target_contain_check check (contain_minutes between 1 and 525600),
    updated_by      text not null default 'default',
    updated_at      timestamptz not null default now()
);
insert into sla_target (priority, ack_minutes, contain_minutes) values
    (1, 15, 60), (2, 30, 240), (3, 120, 1440), (4, 480, 4320);

alter table incident
    -- When someone first took it up (left 'new' or was given an owner), and when it was
    -- first contained (or closed without needing it). Set by the trigger below, so every
    -- path that changes status or owner stops the clocks.
    add column acknowledged_at   timestamptz,
    add column contained_at      timestamptz,
    -- Who the incident waits on; the clocks are paused since sla_paused_at while it is set.
    add column waiting_on        text,
    add column sla_paused_at     timestamptz,
    add column sla_paused_total  interval not null default '0',
    -- Clocks already recorded as breached ('acknowledge', 'contain').
    add column sla_breached      text[] not null default '{}';

create function incident_sla_marks() returns trigger language plpgsql as $$
begin
    if new.acknowledged_at is null and (new.status <> 'new' or new.owner_user_id is not null) then
        new.acknowledged_at := now();
    end if;
    if new.contained_at is null and new.status in ('contained', 'remediated', 'closed') then
        new.contained_at := now();
    end if;
    return new;
end
$$;

-- Only changes of status or owner run it: the pipeline's count updates do not.
create trigger incident_sla_marks_on_update
    before update of status, owner_user_id on incident
    for each row execute function incident_sla_marks();

-- What the breach watcher scans: open incidents with a clock still running.
create index incident_sla_running_idx on incident (opened_at)
    where contained_at is null and merged_into is null;
