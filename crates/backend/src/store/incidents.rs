//! The `incident` record and its event log: queue listings, reads, conditional edits.

use riposte_domain::incident::{IncidentFilter, IncidentSort, IncidentStatus, Queue};
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

#[derive(Debug, Clone, FromRow)]
pub struct IncidentRow {
    pub incident_id: i64,
    pub title: String,
    pub status: String,
    pub classification: Option<String>,
    pub severity: i16,
    pub priority: i16,
    pub tier: String,
    pub owner_user_id: Option<i64>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub attack_techniques: Vec<String>,
    pub tlp: String,
    pub alert_count: i32,
    pub event_count: i64,
    pub first_seen: OffsetDateTime,
    pub last_seen: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i32,
    pub merged_into: Option<i64>,
    pub pending_handoff: Option<String>,
    pub opened_at: OffsetDateTime,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub contained_at: Option<OffsetDateTime>,
    pub waiting_on: Option<String>,
    pub sla_paused_at: Option<OffsetDateTime>,
    pub sla_paused_ms: i64,
    pub sla_breached: Vec<String>,
    /// The targets for the incident's priority.
    pub ack_minutes: Option<i32>,
    pub contain_minutes: Option<i32>,
}

/// The columns an [`IncidentRow`] reads (`i` is the incident, `u` its owner).
pub const COLUMNS: &str = "i.incident_id, i.title, i.status, i.classification, i.severity, i.priority, i.tier, \
    i.owner_user_id, u.username as owner, i.tags, i.attack_techniques, i.tlp, i.alert_count, i.event_count, \
    i.first_seen, i.last_seen, i.updated_at, i.version, i.merged_into, \
    (select h.to_tier from incident_handoff h where h.incident_id = i.incident_id and h.acknowledged_at is null \
     order by h.handoff_id desc limit 1) as pending_handoff, \
    i.opened_at, i.acknowledged_at, i.contained_at, i.waiting_on, i.sla_paused_at, \
    (extract(epoch from i.sla_paused_total) * 1000)::int8 as sla_paused_ms, i.sla_breached, \
    (select t.ack_minutes from sla_target t where t.priority = i.priority) as ack_minutes, \
    (select t.contain_minutes from sla_target t where t.priority = i.priority) as contain_minutes";

const FROM: &str = "incident i left join app_user u on u.user_id = i.owner_user_id";

/// One page of a queue. `user_id` is the caller, for "my work".
pub async fn list(
    db: impl PgExecutor<'_>,
    filter: &IncidentFilter,
    user_id: i64,
    limit: i64,
) -> Result<Vec<IncidentRow>, BackendError> {
    // Fixed SQL fragments only (no input is spliced in), so each shape can use its index.
    let status = if filter.status.is_some() { "i.status = $1" } else { "i.status <> 'closed' and $1::text is null" };
    let queue = match filter.queue {
        Queue::Tier(_) => "i.tier = $2 and $3::int8 is not null",
        Queue::Mine => "i.owner_user_id = $3 and $2::text is not null",
        Queue::All => "$2::text is not null and $3::int8 is not null",
    };
    let order = match filter.sort {
        IncidentSort::Activity => "i.last_seen desc, i.incident_id desc",
        IncidentSort::Priority => "i.priority, i.last_seen desc, i.incident_id desc",
        IncidentSort::Opened => "i.incident_id desc",
    };
    let tier = match filter.queue {
        Queue::Tier(tier) => tier.as_str(),
        _ => "",
    };
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from {FROM} \
         where i.merged_into is null and {status} and {queue} and ($4::int2 is null or i.severity = $4) \
         order by {order} limit $5"
    ))
    .bind(filter.status.map(IncidentStatus::as_str))
    .bind(tier)
    .bind(user_id)
    .bind(filter.severity.map(|s| s.ocsf_id()))
    .bind(limit)
    .fetch_all(db)
    .await?)
}

pub async fn find(db: impl PgExecutor<'_>, incident_id: i64) -> Result<Option<IncidentRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from {FROM} where i.incident_id = $1"))
        .bind(incident_id)
        .fetch_optional(db)
        .await?)
}

/// The incidents by id, in the order given (missing ones left out).
pub async fn find_many(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<Vec<IncidentRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from unnest($1::int8[]) with ordinality w(incident_id, ord) \
         join incident i using (incident_id) left join app_user u on u.user_id = i.owner_user_id order by w.ord"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?)
}

/// Who did something, as the event log and records name them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

/// Appends to the incident's event log; returns the event id.
pub async fn append_event(
    conn: &mut PgConnection,
    incident_id: i64,
    actor: &Actor,
    kind: &str,
    reason: Option<&str>,
    detail: serde_json::Value,
) -> Result<i64, BackendError> {
    append_undo(conn, incident_id, actor, kind, reason, detail, None).await
}

pub async fn append_undo(
    conn: &mut PgConnection,
    incident_id: i64,
    actor: &Actor,
    kind: &str,
    reason: Option<&str>,
    detail: serde_json::Value,
    undoes: Option<i64>,
) -> Result<i64, BackendError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    Ok(sqlx::query_scalar(
        "insert into incident_event (incident_id, actor_user_id, actor, kind, reason, detail, undoes) \
         values ($1, $2, $3, $4, $5, $6, $7) returning event_id",
    )
    .bind(incident_id)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(kind)
    .bind(reason)
    .bind(detail)
    .bind(undoes)
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub event_id: i64,
    pub incident_id: i64,
    pub occurred_at: OffsetDateTime,
    pub actor: String,
    pub kind: String,
    pub reason: Option<String>,
    pub detail: serde_json::Value,
    pub undone: bool,
}

/// The latest `limit` events, oldest first.
pub async fn events(db: impl PgExecutor<'_>, incident_id: i64, limit: i64) -> Result<Vec<EventRow>, BackendError> {
    Ok(sqlx::query_as(
        "select * from (select e.event_id, e.incident_id, e.occurred_at, e.actor, e.kind, e.reason, e.detail, \
             exists (select 1 from incident_event u where u.undoes = e.event_id) as undone \
           from incident_event e where e.incident_id = $1 order by e.event_id desc limit $2) latest \
         order by event_id",
    )
    .bind(incident_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

pub async fn find_event(db: impl PgExecutor<'_>, event_id: i64) -> Result<Option<EventRow>, BackendError> {
    Ok(sqlx::query_as(
        "select e.event_id, e.incident_id, e.occurred_at, e.actor, e.kind, e.reason, e.detail, \
             exists (select 1 from incident_event u where u.undoes = e.event_id) as undone \
         from incident_event e where e.event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(db)
    .await?)
}

/// One column's new value in a conditional edit.
pub enum Column<'a> {
    Status {
        status: &'a str,
        classification: Option<&'a str>,
    },
    Owner(Option<i64>),
    Tier(&'a str),
    Priority(i16),
    Severity(i16),
    Title(&'a str),
    Tags(&'a [String]),
    Tlp(&'a str),
    /// Who the incident waits on; none resumes the SLA clocks, adding the pause to the total.
    WaitingOn(Option<&'a str>),
}

/// Applies an edit only if the incident is still at `expected` version; returns the new
/// version, or `None` when someone changed it first (or it does not exist).
pub async fn update_if_version(
    conn: &mut PgConnection,
    incident_id: i64,
    expected: i32,
    column: Column<'_>,
) -> Result<Option<i32>, BackendError> {
    let set = match &column {
        Column::Status { .. } => "status = $3, classification = $4",
        Column::Owner(_) => "owner_user_id = $3",
        Column::Tier(_) => "tier = $3",
        Column::Priority(_) => "priority = $3",
        Column::Severity(_) => "severity = $3",
        Column::Title(_) => "title = $3",
        Column::Tags(_) => "tags = $3",
        Column::Tlp(_) => "tlp = $3",
        Column::WaitingOn(_) => {
            "sla_paused_total = sla_paused_total + case when $3::text is null and sla_paused_at is not null \
                 then now() - sla_paused_at else interval '0' end, \
             sla_paused_at = case when $3::text is null then null else coalesce(sla_paused_at, now()) end, \
             waiting_on = $3"
        }
    };
    let sql = format!(
        "update incident set {set}, version = version + 1, updated_at = now() \
         where incident_id = $1 and version = $2 returning version"
    );
    let q = sqlx::query_scalar(&sql).bind(incident_id).bind(expected);
    let q = match column {
        Column::Status { status, classification } => q.bind(status).bind(classification),
        Column::Owner(owner) => q.bind(owner),
        Column::Tier(tier) | Column::Title(tier) | Column::Tlp(tier) => q.bind(tier),
        Column::Priority(n) | Column::Severity(n) => q.bind(n),
        Column::Tags(tags) => q.bind(tags),
        Column::WaitingOn(party) => q.bind(party),
    };
    Ok(q.fetch_optional(conn).await?)
}

/// Bumps the version without another change (hand-offs, merges and splits change what the
/// page shows, so an edit prepared before them must be re-checked).
pub async fn bump_version(conn: &mut PgConnection, incident_id: i64) -> Result<(), BackendError> {
    sqlx::query("update incident set version = version + 1, updated_at = now() where incident_id = $1")
        .bind(incident_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the owner outside a user's edit (a hand-off's receiver), bumping the version.
pub async fn set_owner(conn: &mut PgConnection, incident_id: i64, owner: Option<i64>) -> Result<(), BackendError> {
    sqlx::query(
        "update incident set owner_user_id = $2, version = version + 1, updated_at = now() where incident_id = $1",
    )
    .bind(incident_id)
    .bind(owner)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn current_version(db: impl PgExecutor<'_>, incident_id: i64) -> Result<Option<i32>, BackendError> {
    Ok(sqlx::query_scalar("select version from incident where incident_id = $1")
        .bind(incident_id)
        .fetch_optional(db)
        .await?)
}

/// Locks an incident row for the rest of the transaction; false when it does not exist.
pub async fn lock(conn: &mut PgConnection, incident_id: i64) -> Result<bool, BackendError> {
    Ok(sqlx::query_scalar::<_, i64>("select incident_id from incident where incident_id = $1 for update")
        .bind(incident_id)
        .fetch_optional(conn)
        .await?
        .is_some())
}
