-- Imports of the asset inventory and watchlists run as jobs: the file is kept until the job
-- ends, so an import interrupted by a restart starts again, and people watch its progress.
create table context_import (
    import_id     bigint generated always as identity primary key,
    kind          text not null check (kind in ('assets', 'indicators')),
    format        text not null,
    -- The list or feed name (watchlists); entries without their own source take it.
    source        text not null default '',
    file_name     text not null default '',
    requested_by  text not null,
    requested_by_user_id bigint references app_user (user_id),
    requested_at  timestamptz not null default now(),
    status        text not null default 'queued'
                  check (status in ('queued', 'running', 'imported', 'rejected', 'failed')),
    total_rows    integer,
    done_rows     integer not null default 0,
    report        jsonb,
    finished_at   timestamptz,
    -- Emptied when the job ends.
    content       bytea
);
create index context_import_recent_idx on context_import (requested_at desc);
