-- Users, sign-in throttling and the hash-chained audit trail.
-- Sessions live in the tower_sessions schema, created by the session store itself.

create table app_user (
    user_id         bigint generated always as identity primary key,
    username        text not null constraint app_user_username_key unique,
    display_name    text not null,
    role            text not null
        constraint app_user_role_check check (role in ('tier1', 'tier2', 'ir', 'noc', 'manager', 'admin')),
    password_hash   text not null,
    disabled        boolean not null default false,
    -- Bumped whenever the user's open sessions must stop working (disabled, password reset).
    auth_epoch      integer not null default 0,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    last_sign_in_at timestamptz
);

-- Failed sign-ins per account name and per client address. Kept in the database so that
-- every server process behind a load balancer enforces the same limit.
create table sign_in_throttle (
    scope             text not null constraint sign_in_throttle_scope_check check (scope in ('account', 'address')),
    subject           text not null,
    failures          integer not null,
    window_started_at timestamptz not null,
    locked_until      timestamptz,
    primary key (scope, subject)
);

-- Append-only. Each row's hash covers the previous row's hash, so editing or deleting a row
-- breaks the chain from that point on.
create table audit_record (
    audit_id      bigint generated always as identity primary key,
    occurred_at   timestamptz not null default now(),
    actor_user_id bigint references app_user (user_id),
    actor         text not null,
    action        text not null,
    subject       text,
    detail        jsonb not null default '{}'::jsonb,
    client_addr   text,
    prev_hash     bytea not null,
    hash          bytea not null
);

create index audit_record_occurred_at_idx on audit_record (occurred_at);

create function refuse_audit_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_record is append-only';
end
$$;

create trigger audit_record_append_only
    before update or delete on audit_record
    for each row execute function refuse_audit_change();

-- Browser sessions (tower-sessions' PostgreSQL store uses exactly this table).
create schema if not exists tower_sessions;
create table if not exists tower_sessions.session (
    id          text primary key not null,
    data        bytea not null,
    expiry_date timestamptz not null
);
create index session_expiry_date_idx on tower_sessions.session (expiry_date);
