//! Containment's tables: actions, their state log, and the guard rails' settings.

use riposte_domain::Role;
use riposte_domain::containment::{ActionState, GuardPolicy, Protected};
use riposte_domain::enrichment::asset::Asset;
use riposte_domain::enrichment::prefixes::Network;
use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

/// The guard rails as an administrator set them.
pub async fn guard_policy(conn: &mut PgConnection) -> Result<GuardPolicy, BackendError> {
    let (internal, broadest_v4, broadest_v6, critical_from, roles, protected_tags): GuardSettingRow =
        sqlx::query_as(
            "select array(select text(n) from unnest(internal) n), broadest_v4, broadest_v6, critical_from, approver_roles, \
                 protected_tags \
             from containment_setting",
        )
        .fetch_one(&mut *conn)
        .await?;
    // What administrators listed, and every connector's own management address.
    let mut protected: Vec<(String, String)> =
        sqlx::query_as("select text(net), why from containment_protected order by net").fetch_all(&mut *conn).await?;
    protected.extend(super::containment_connectors::management(&mut *conn).await?);
    let network =
        |text: &str| Network::parse(text).map_err(|e| BackendError::Internal(format!("stored containment range: {e}")));
    Ok(GuardPolicy {
        protected: protected
            .iter()
            .map(|(net, why)| Ok(Protected { network: network(net)?, why: why.clone() }))
            .collect::<Result<_, BackendError>>()?,
        internal: internal.iter().map(|n| network(n)).collect::<Result<_, _>>()?,
        broadest_v4: u8::try_from(broadest_v4).unwrap_or(32),
        broadest_v6: u8::try_from(broadest_v6).unwrap_or(128),
        critical_from: u8::try_from(critical_from).unwrap_or(1),
        approver_roles: roles.iter().filter_map(|r| Role::parse(r).ok()).collect(),
        protected_tags,
    })
}

/// Internal ranges, broadest v4 and v6, critical from, approver roles, protected tags.
type GuardSettingRow = (Vec<String>, i16, i16, i16, Vec<String>, Vec<String>);

#[derive(FromRow)]
struct AssetRow {
    name: String,
    service: String,
    criticality: i16,
    internet_facing: bool,
    addresses: Vec<String>,
    connectors: Vec<String>,
    tags: Vec<String>,
}

const ASSET_SELECT: &str = "select a.name, a.service, a.criticality, a.internet_facing, a.connectors, a.tags, \
     array(select host(x.net) || '/' || masklen(x.net) from asset_address x where x.asset_id = a.asset_id) addresses \
     from asset a";

/// Inventoried assets with an address or range overlapping `target` (GiST `&&`).
pub async fn assets_overlapping(conn: &mut PgConnection, target: &Network) -> Result<Vec<Asset>, BackendError> {
    let rows: Vec<AssetRow> = sqlx::query_as(&format!(
        "{ASSET_SELECT} where a.asset_id in (select asset_id from asset_address where net && $1::inet)"
    ))
    .bind(target.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(asset).collect())
}

/// Inventoried assets called `host` (in full, or by its first label).
pub async fn assets_named(conn: &mut PgConnection, host: &str) -> Result<Vec<Asset>, BackendError> {
    let host = host.to_lowercase();
    let rows: Vec<AssetRow> = sqlx::query_as(&format!(
        "{ASSET_SELECT} where a.name <> '' and (a.name = $1 or split_part(a.name, '.', 1) = split_part($1, '.', 1))"
    ))
    .bind(&host)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(asset).collect())
}

fn asset(row: AssetRow) -> Asset {
    Asset {
        name: row.name,
        service: row.service,
        criticality: u8::try_from(row.criticality).unwrap_or(1),
        internet_facing: row.internet_facing,
        addresses: row.addresses,
        connectors: row.connectors,
        tags: row.tags,
        ..Asset::default()
    }
}

/// An action as first recorded.
pub struct NewAction<'a> {
    pub kind: &'a str,
    pub target: &'a str,
    pub direction: Option<&'a str>,
    pub connector: &'a str,
    pub incident_id: Option<i64>,
    pub state: ActionState,
    pub reason: &'a str,
    pub ttl_secs: i32,
    pub requested_by: &'a str,
    pub requested_by_user_id: Option<i64>,
    pub override_reason: Option<&'a str>,
    pub concerns: Value,
    pub blast_radius: Value,
    pub idempotency_key: &'a str,
    /// Set for a pre-authorised policy's action, which a person reviews after the fact.
    pub policy_id: Option<i64>,
    pub needs_review: bool,
}

/// Records the action and its first event; with a key already used, returns that action
/// instead (`false`: nothing new was written).
pub async fn insert_action(conn: &mut PgConnection, action: &NewAction<'_>) -> Result<(i64, bool), BackendError> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "insert into containment_action (kind, target, direction, connector, incident_id, state, reason, ttl_secs, \
             requested_by, requested_by_user_id, override_reason, concerns, blast_radius, idempotency_key, policy_id, \
             needs_review, next_try_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             case when $6 = 'awaiting_approval' then now() + $8 * interval '1 second' else now() end) \
         on conflict (idempotency_key) do nothing returning action_id",
    )
    .bind(action.kind)
    .bind(action.target)
    .bind(action.direction)
    .bind(action.connector)
    .bind(action.incident_id)
    .bind(action.state.as_str())
    .bind(action.reason)
    .bind(action.ttl_secs)
    .bind(action.requested_by)
    .bind(action.requested_by_user_id)
    .bind(action.override_reason)
    .bind(&action.concerns)
    .bind(&action.blast_radius)
    .bind(action.idempotency_key)
    .bind(action.policy_id)
    .bind(action.needs_review)
    .fetch_optional(&mut *conn)
    .await?;
    match inserted {
        Some(id) => {
            add_event(conn, id, action.requested_by, "requested", None, action.state, Value::Null).await?;
            if action.state == ActionState::Approved {
                super::containment_jobs::due_now(conn, id).await?;
            }
            Ok((id, true))
        }
        None => {
            let id = sqlx::query_scalar("select action_id from containment_action where idempotency_key = $1")
                .bind(action.idempotency_key)
                .fetch_one(conn)
                .await?;
            Ok((id, false))
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct ActionRow {
    pub action_id: i64,
    pub kind: String,
    pub target: String,
    pub direction: Option<String>,
    pub connector: String,
    pub incident_id: Option<i64>,
    pub state: String,
    pub reason: String,
    pub ttl_secs: i32,
    pub requested_by: String,
    pub requested_by_user_id: Option<i64>,
    pub approved_by: Option<String>,
    pub override_reason: Option<String>,
    pub concerns: Value,
    pub blast_radius: Value,
    pub expires_at: Option<OffsetDateTime>,
    pub requested_at: OffsetDateTime,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub verify_until: Option<OffsetDateTime>,
    pub policy_id: Option<i64>,
    pub needs_review: bool,
    /// The worker holding its lease, if one has ever taken it (see `containment_jobs::claim`).
    pub lease_holder: Option<i32>,
}

/// The columns of [`ActionRow`], for every query that reads one.
pub const ACTION_COLUMNS: &str = "action_id, kind, target, direction, connector, incident_id, state, reason, \
     ttl_secs, requested_by, requested_by_user_id, approved_by, override_reason, concerns, blast_radius, expires_at, \
     requested_at, attempts, last_error, verify_until, policy_id, needs_review, lease_holder";

pub async fn find(db: impl PgExecutor<'_>, action_id: i64) -> Result<Option<ActionRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {ACTION_COLUMNS} from containment_action where action_id = $1"))
        .bind(action_id)
        .fetch_optional(db)
        .await?)
}

/// Moves the action from `from` to `to` only if it is still in `from` (someone else may have
/// moved it meanwhile); records the event. Returns whether it moved.
pub async fn transition(
    conn: &mut PgConnection,
    action_id: i64,
    from: ActionState,
    to: ActionState,
    actor: &str,
    event: &str,
    evidence: Value,
) -> Result<bool, BackendError> {
    let moved =
        sqlx::query("update containment_action set state = $3, updated_at = now() where action_id = $1 and state = $2")
            .bind(action_id)
            .bind(from.as_str())
            .bind(to.as_str())
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1;
    if moved {
        add_event(conn, action_id, actor, event, Some(from), to, evidence).await?;
    }
    Ok(moved)
}

/// Records who approved (with the transition to `approved`).
pub async fn set_approver(
    conn: &mut PgConnection,
    action_id: i64,
    user_id: i64,
    name: &str,
) -> Result<(), BackendError> {
    sqlx::query("update containment_action set approved_by = $2, approved_by_user_id = $3 where action_id = $1")
        .bind(action_id)
        .bind(name)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

async fn add_event(
    conn: &mut PgConnection,
    action_id: i64,
    actor: &str,
    event: &str,
    from: Option<ActionState>,
    to: ActionState,
    evidence: Value,
) -> Result<(), BackendError> {
    sqlx::query(
        "insert into containment_action_event (action_id, actor, event, from_state, to_state, evidence) \
         values ($1, $2, $3, $4, $5, coalesce($6, '{}'::jsonb))",
    )
    .bind(action_id)
    .bind(actor)
    .bind(event)
    .bind(from.map(ActionState::as_str))
    .bind(to.as_str())
    .bind(if evidence.is_null() { None } else { Some(evidence) })
    .execute(conn)
    .await?;
    Ok(())
}

/// One line of an action's story.
#[derive(Debug, Clone, FromRow)]
pub struct ActionEventRow {
    pub at: OffsetDateTime,
    pub actor: String,
    pub event: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub evidence: Value,
}

pub async fn events(db: impl PgExecutor<'_>, action_id: i64) -> Result<Vec<ActionEventRow>, BackendError> {
    Ok(sqlx::query_as(
        "select at, actor, event, from_state, to_state, evidence from containment_action_event \
         where action_id = $1 order by event_id",
    )
    .bind(action_id)
    .fetch_all(db)
    .await?)
}

/// Actions with their policy's name, open ones first, newest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    incident_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(ActionRow, Option<String>)>, BackendError> {
    #[derive(FromRow)]
    struct Listed {
        #[sqlx(flatten)]
        row: ActionRow,
        policy: Option<String>,
    }
    let rows: Vec<Listed> = sqlx::query_as(&format!(
        "select {ACTION_COLUMNS}, (select name from containment_policy p where p.policy_id = a.policy_id) policy \
         from containment_action a where ($1::bigint is null or incident_id = $1) \
         order by (state in ('undone', 'expired', 'rejected', 'failed')), action_id desc limit $2"
    ))
    .bind(incident_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|l| (l.row, l.policy)).collect())
}

pub async fn policy_name(db: impl PgExecutor<'_>, policy_id: Option<i64>) -> Result<Option<String>, BackendError> {
    let Some(id) = policy_id else { return Ok(None) };
    Ok(sqlx::query_scalar("select name from containment_policy where policy_id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?)
}
