-- Network and host context that is not itself an alert (Suricata flow, dns, http, tls, ssh,
-- fileinfo, anomaly, drop, ...): kept whole, joined to alerts by flow_id and Community ID,
-- and read by enrichment later.

alter table alert add column flow_id text;
create index alert_flow_id_idx on alert (flow_id) where flow_id is not null;

create table context_event (
    context_event_id bigint generated always as identity primary key,
    source           text not null,
    kind             text not null,
    event_time       timestamptz,
    received_at      timestamptz not null default now(),
    flow_id          text,
    community_id     text,
    src_ip           inet,
    dest_ip          inet,
    src_port         integer,
    dest_port        integer,
    proto            text,
    raw              text not null,
    dedup_key        text not null,
    constraint context_event_source_dedup_key unique (source, dedup_key)
);

create index context_event_flow_id_idx on context_event (flow_id) where flow_id is not null;
create index context_event_community_id_idx on context_event (community_id) where community_id is not null;
create index context_event_src_ip_time_idx on context_event (src_ip, event_time);
create index context_event_dest_ip_time_idx on context_event (dest_ip, event_time);
