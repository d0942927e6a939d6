-- Rule precision for the triage score: per detection (source and title), how many of the
-- closed, classified incidents it appeared in were true positives. Refreshed every few
-- minutes from the last 90 days of closed incidents; duplicates are not counted.
create table detection_precision (
    source         text not null,
    title          text not null,
    true_positives integer not null,
    classified     integer not null,
    refreshed_at   timestamptz not null default now(),
    primary key (source, title)
);

create index incident_closed_recent_idx on incident (updated_at) where status = 'closed';
