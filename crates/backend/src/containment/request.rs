//! Asking for an action: the shape checked, the guard rails judged over the blast radius, and
//! the action recorded as approved or awaiting a second person.

use riposte_domain::Permission;
use riposte_domain::containment::{
    ActionKind, ActionSpec, ActionState, BlastRadius, Direction, Requester, Target, Verdict, blast_radius, host_radius,
    judge, judge_host,
};
use serde_json::json;
use sqlx::PgConnection;

use super::log::{Step, Subject, record};
use crate::store::containment::{self as store, NewAction};
use crate::{Backend, BackendError, CurrentUser};

/// What the person asks for.
#[derive(Debug, Clone)]
pub struct ContainRequest<'a> {
    pub kind: ActionKind,
    pub target: &'a str,
    pub direction: Option<Direction>,
    pub ttl_secs: u64,
    pub connector: &'a str,
    pub incident_id: Option<i64>,
    pub reason: &'a str,
    pub override_reason: Option<&'a str>,
    /// The same key twice gives the same action (a retried request, a double click).
    pub idempotency_key: &'a str,
}

/// What the page shows before the click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub spec: ActionSpec,
    pub verdict: Verdict,
    pub radius: BlastRadius,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub action_id: i64,
    pub state: ActionState,
    /// False when the key named an action asked for before.
    pub created: bool,
}

const MAX_REASON: usize = 2000;

/// Judges a request without recording anything.
pub async fn preview(
    backend: &Backend,
    user: &CurrentUser,
    request: &ContainRequest<'_>,
) -> Result<Preview, BackendError> {
    user.require(Permission::RequestContainment)?;
    let mut conn = backend.pool.acquire().await?;
    judge_request(&mut conn, user, request).await
}

async fn judge_request(
    conn: &mut PgConnection,
    user: &CurrentUser,
    request: &ContainRequest<'_>,
) -> Result<Preview, BackendError> {
    let spec = ActionSpec::new(request.kind, request.target, request.direction, request.ttl_secs)
        .map_err(|e| BackendError::invalid("target", e.to_string()))?;
    let (verdict, radius) = judge_spec(conn, &spec, Requester::Person(user.role), request.override_reason).await?;
    Ok(Preview { spec, verdict, radius })
}

/// The guard rails' verdict on `spec` for `requester`, over the inventory's blast radius.
pub(super) async fn judge_spec(
    conn: &mut PgConnection,
    spec: &ActionSpec,
    requester: Requester,
    override_reason: Option<&str>,
) -> Result<(Verdict, BlastRadius), BackendError> {
    let policy = store::guard_policy(&mut *conn).await?;
    Ok(match &spec.target {
        Target::Network(network) => {
            let radius = blast_radius(network, &store::assets_overlapping(&mut *conn, network).await?);
            (judge(&policy, network, requester, override_reason, &radius), radius)
        }
        // A host cut off through its EDR: its own inventory entry is the whole radius.
        Target::Host(host) => {
            let radius = host_radius(&store::assets_named(&mut *conn, host).await?);
            (judge_host(&policy, requester, override_reason, &radius), radius)
        }
    })
}

/// Records the action: approved at once when no rule asks for a second person, else
/// awaiting approval. Refused (nothing recorded) when a guard rail says no.
pub async fn request(
    backend: &Backend,
    user: &CurrentUser,
    request: &ContainRequest<'_>,
) -> Result<Requested, BackendError> {
    user.require(Permission::RequestContainment)?;
    let reason = request.reason.trim();
    if reason.is_empty() || reason.len() > MAX_REASON {
        return Err(BackendError::invalid("reason", format!("say why, in 1 to {MAX_REASON} characters")));
    }
    let connector = request.connector.trim();
    if connector.is_empty() || !connector.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
        return Err(BackendError::invalid("connector", "a connector is named by letters, digits, '-' and '_'"));
    }
    let key = request.idempotency_key.trim();
    if key.is_empty() || key.len() > 200 {
        return Err(BackendError::invalid("idempotency_key", "an idempotency key is 1 to 200 characters"));
    }
    let mut tx = backend.pool.begin().await?;
    if let Some(incident_id) = request.incident_id
        && crate::store::incidents::find(&mut *tx, incident_id).await?.is_none()
    {
        return Err(BackendError::NotFound("incident"));
    }
    let Preview { spec, verdict, radius } = judge_request(&mut tx, user, request).await?;
    super::connectors::require(&mut tx, connector, &spec).await?;
    if !verdict.allowed() {
        let why: Vec<String> = verdict.refusals.iter().map(|c| c.describe()).collect();
        return Err(BackendError::invalid("target", format!("refused by the guard rails: {}", why.join("; "))));
    }
    let state = if verdict.needs_approval.is_empty() { ActionState::Approved } else { ActionState::AwaitingApproval };
    let target = spec.target_text();
    let new = NewAction {
        kind: spec.kind.as_str(),
        target: &target,
        direction: spec.direction.map(Direction::as_str),
        connector,
        incident_id: request.incident_id,
        state,
        reason,
        ttl_secs: i32::try_from(spec.ttl_secs).unwrap_or(i32::MAX),
        requested_by: &user.username,
        requested_by_user_id: Some(user.id),
        override_reason: request.override_reason.map(str::trim).filter(|r| !r.is_empty()),
        concerns: json!(verdict.needs_approval),
        blast_radius: json!(radius),
        idempotency_key: key,
        policy_id: None,
        needs_review: false,
    };
    let (action_id, created) = store::insert_action(&mut tx, &new).await?;
    if !created {
        // The same key again: the first request stands, whatever this one said.
        let row = store::find(&mut *tx, action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
        tx.rollback().await?;
        return Ok(Requested { action_id, state: super::state_of(&row)?, created: false });
    }
    let detail = json!({
        "action_id": action_id, "kind": spec.kind.as_str(), "target": target, "direction": new.direction,
        "connector": connector, "ttl_secs": spec.ttl_secs, "state": state.as_str(),
        "needs_approval": verdict.needs_approval.iter().map(|c| c.describe()).collect::<Vec<_>>(),
        "override": new.override_reason,
    });
    let subject = Subject {
        action_id,
        incident_id: request.incident_id,
        kind: spec.kind.as_str(),
        target: &target,
        direction: new.direction,
        connector,
    };
    let step = Step { event: "requested", state: state.as_str(), reason: Some(reason), detail };
    record(&mut tx, user.into(), subject, step).await?;
    tx.commit().await?;
    Ok(Requested { action_id, state, created: true })
}
