-- Identity and firewall context: logons (who, where, from which address, success or failure)
-- feed login history for enrichment; firewall actions feed escalation rules such as "failed
-- logins followed by an allow".
alter table context_event
    add column user_name text,
    add column host_name text,
    add column outcome   text,
    add column action    text;

create index context_event_user_time_idx on context_event (lower(user_name), event_time)
    where user_name is not null;
create index context_event_host_time_idx on context_event (lower(host_name), event_time)
    where host_name is not null;
