//! The `storm_policy` and `storm_state` tables, and the roll-up of new alerts into storms.

use std::collections::{BTreeMap, HashSet};

use riposte_domain::alert::{Placement, StormField, StormPolicy, StormState};
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::pipeline::Pending;
use crate::BackendError;
use crate::alerts::epoch_ms;
use crate::storm_cache::{Policies, policy_for};

#[derive(FromRow)]
struct PolicyRow {
    source: String,
    enabled: bool,
    threshold: i32,
    window_secs: i32,
    group_by: Vec<String>,
}

#[derive(FromRow)]
struct StoredPolicyRow {
    #[sqlx(flatten)]
    policy: PolicyRow,
    updated_by: String,
    updated_at: OffsetDateTime,
}

#[derive(FromRow)]
struct StateRow {
    source: String,
    storm_key: String,
    window_start: OffsetDateTime,
    window_count: i32,
    head_alert_id: Option<i64>,
    last_seen: Option<OffsetDateTime>,
}

/// A policy as stored, with who last changed it.
#[derive(Debug, Clone)]
pub struct StoredPolicy {
    pub policy: StormPolicy,
    pub updated_by: String,
    pub updated_at: OffsetDateTime,
}

fn to_policy(row: PolicyRow) -> StormPolicy {
    StormPolicy {
        source: row.source,
        enabled: row.enabled,
        threshold: u32::try_from(row.threshold).unwrap_or(0),
        window_secs: u32::try_from(row.window_secs).unwrap_or(1),
        // Fields are checked when written; an unknown one (from a newer version) is ignored.
        group_by: row.group_by.iter().filter_map(|f| StormField::parse(f).ok()).collect(),
    }
}

pub async fn list_policies(db: impl PgExecutor<'_>) -> Result<Vec<StoredPolicy>, BackendError> {
    let rows: Vec<StoredPolicyRow> = sqlx::query_as(
        "select source, enabled, threshold, window_secs, group_by, updated_by, updated_at \
         from storm_policy order by source = '*' desc, source",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| StoredPolicy {
            policy: to_policy(row.policy),
            updated_by: row.updated_by,
            updated_at: row.updated_at,
        })
        .collect())
}

pub async fn upsert_policy(conn: &mut PgConnection, policy: &StormPolicy, actor: &str) -> Result<(), BackendError> {
    let group_by: Vec<&str> = policy.group_by.iter().map(|f| f.as_str()).collect();
    sqlx::query(
        "insert into storm_policy (source, enabled, threshold, window_secs, group_by, updated_by) \
         values ($1, $2, $3, $4, $5, $6) \
         on conflict (source) do update set enabled = excluded.enabled, threshold = excluded.threshold, \
             window_secs = excluded.window_secs, group_by = excluded.group_by, \
             updated_by = excluded.updated_by, updated_at = now()",
    )
    .bind(policy.source.trim())
    .bind(policy.enabled)
    .bind(i32::try_from(policy.threshold).unwrap_or(i32::MAX))
    .bind(i32::try_from(policy.window_secs).unwrap_or(i32::MAX))
    .bind(&group_by)
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a source's own policy (the default then applies); false when it had none.
pub async fn delete_policy(conn: &mut PgConnection, source: &str) -> Result<bool, BackendError> {
    Ok(sqlx::query("delete from storm_policy where source = $1 and source <> '*'")
        .bind(source)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// What a roll-up did, for the stages after it.
#[derive(Debug, Default)]
pub struct RolledUp {
    /// Alerts now under a storm head: they follow their head and are not handled alone.
    pub members: HashSet<i64>,
    /// Per head: members added by this batch, and the latest of their received times (ms).
    pub growth: BTreeMap<i64, (i32, i64)>,
}

/// Rolls committed alerts into storms: members point at their head, heads count their
/// members. Alerts are placed in the order given (the pipeline's id order), each at its own
/// received time.
pub async fn roll_up(conn: &mut PgConnection, alerts: &[Pending]) -> Result<RolledUp, BackendError> {
    let mut rolled = RolledUp::default();
    if alerts.is_empty() {
        return Ok(rolled);
    }
    let policies = load_policies(&mut *conn).await?;
    // Keys in a stable order, so that state rows are written in one order.
    let mut by_key: BTreeMap<(&str, String), (&StormPolicy, Vec<&Pending>)> = BTreeMap::new();
    // Alerts ingest pre-placed into a storm that no longer applies are put back on their own.
    let mut unplaced: Vec<i64> = Vec::new();
    for alert in alerts {
        let source = alert.source.as_str();
        let Some(policy) = policy_for(&policies, source) else {
            unplaced.extend(alert.rollup_id.map(|_| alert.alert_id));
            continue;
        };
        let key = policy.storm_key(&alert.title, &alert.entities);
        by_key.entry((source, key)).or_insert((policy, Vec::new())).1.push(alert);
    }
    if by_key.is_empty() {
        set_heads(conn, &unplaced.iter().map(|&id| (id, None)).collect::<Vec<_>>()).await?;
        return Ok(rolled);
    }
    let sources: Vec<&str> = by_key.keys().map(|(s, _)| *s).collect();
    let keys: Vec<&str> = by_key.keys().map(|(_, k)| k.as_str()).collect();
    // No row locks: only the pipeline writes storm_state, one batch at a time under its lock.
    let rows: Vec<StateRow> = sqlx::query_as(
        "select s.source, s.storm_key, s.window_start, s.window_count, s.head_alert_id, s.last_seen \
             from storm_state s join unnest($1::text[], $2::text[]) k(source, storm_key) using (source, storm_key)",
    )
    .bind(&sources)
    .bind(&keys)
    .fetch_all(&mut *conn)
    .await?;
    let mut stored: BTreeMap<(String, String), StormState> = rows
        .into_iter()
        .map(|row| {
            let state = StormState {
                window_start_ms: epoch_ms(row.window_start),
                window_count: u32::try_from(row.window_count).unwrap_or(0),
                head: row.head_alert_id,
                last_seen_ms: row.last_seen.map(epoch_ms),
            };
            ((row.source, row.storm_key), state)
        })
        .collect();
    // Alerts whose head differs from what ingest stored (most often: none to set).
    let mut changed: Vec<(i64, Option<i64>)> = unplaced.into_iter().map(|id| (id, None)).collect();
    let head_growth = &mut rolled.growth;
    let mut new_state = StateColumns::default();
    for ((source, key), (policy, pending)) in &by_key {
        // A key never seen (or pruned while idle) starts with nothing counted.
        let mut state = stored.remove(&(source.to_string(), key.clone())).unwrap_or_default();
        for alert in pending {
            let at_ms = epoch_ms(alert.received_at);
            let head = match state.place(policy, alert.alert_id, at_ms) {
                Placement::Member(head) => Some(head),
                Placement::Alone | Placement::Head => None,
            };
            if alert.rollup_id != head {
                changed.push((alert.alert_id, head));
            }
            if let Some(head) = head {
                rolled.members.insert(alert.alert_id);
                let growth = head_growth.entry(head).or_insert((0, at_ms));
                growth.0 += 1;
                growth.1 = growth.1.max(at_ms);
            }
        }
        new_state.push(source.to_string(), key.clone(), state);
    }
    set_heads(&mut *conn, &changed).await?;
    if !head_growth.is_empty() {
        let heads: Vec<i64> = head_growth.keys().copied().collect();
        let growth: Vec<i32> = head_growth.values().map(|(n, _)| *n).collect();
        let latest: Vec<i64> = head_growth.values().map(|(_, at)| *at).collect();
        sqlx::query(
            "update alert set occurrences = occurrences + g.n, \
                 last_seen = greatest(last_seen, to_timestamp(g.latest_ms / 1000.0)) \
             from unnest($1::int8[], $2::int4[], $3::int8[]) g(alert_id, n, latest_ms) \
             where alert.alert_id = g.alert_id",
        )
        .bind(&heads)
        .bind(&growth)
        .bind(&latest)
        .execute(&mut *conn)
        .await?;
    }
    new_state.save(conn).await?;
    Ok(rolled)
}

/// Points alerts at their storm head (or at none).
async fn set_heads(conn: &mut PgConnection, changed: &[(i64, Option<i64>)]) -> Result<(), BackendError> {
    if changed.is_empty() {
        return Ok(());
    }
    let (ids, heads): (Vec<i64>, Vec<Option<i64>>) = changed.iter().copied().unzip();
    sqlx::query(
        "update alert set rollup_id = m.head from unnest($1::int8[], $2::int8[]) m(alert_id, head) \
         where alert.alert_id = m.alert_id",
    )
    .bind(&ids)
    .bind(&heads)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every policy, by source.
pub async fn load_policies(db: impl PgExecutor<'_>) -> Result<Policies, BackendError> {
    Ok(sqlx::query_as::<_, PolicyRow>("select source, enabled, threshold, window_secs, group_by from storm_policy")
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|row| (row.source.clone(), to_policy(row)))
        .collect())
}

/// Forgets storm keys idle for longer than any policy's window: such a key would count
/// afresh anyway, so its row only takes space.
pub async fn prune_idle_states(db: impl PgExecutor<'_>) -> Result<u64, BackendError> {
    Ok(sqlx::query(
        "delete from storm_state \
         where greatest(window_start, coalesce(last_seen, window_start)) < now() - make_interval(secs => $1)",
    )
    .bind(f64::from(StormPolicy::MAX_WINDOW_SECS))
    .execute(db)
    .await?
    .rows_affected())
}

#[derive(Default)]
struct StateColumns {
    source: Vec<String>,
    key: Vec<String>,
    window_start_ms: Vec<i64>,
    window_count: Vec<i32>,
    head: Vec<Option<i64>>,
    last_seen_ms: Vec<Option<i64>>,
}

impl StateColumns {
    fn push(&mut self, source: String, key: String, state: StormState) {
        self.source.push(source);
        self.key.push(key);
        self.window_start_ms.push(state.window_start_ms);
        self.window_count.push(i32::try_from(state.window_count).unwrap_or(i32::MAX));
        self.head.push(state.head);
        self.last_seen_ms.push(state.last_seen_ms);
    }

    async fn save(self, conn: &mut PgConnection) -> Result<(), BackendError> {
        sqlx::query(
            "insert into storm_state (source, storm_key, window_start, window_count, head_alert_id, last_seen) \
             select source, storm_key, to_timestamp(window_start_ms / 1000.0), window_count, head, \
                    to_timestamp(last_seen_ms / 1000.0) \
             from unnest($1::text[], $2::text[], $3::int8[], $4::int4[], $5::int8[], $6::int8[]) \
                 n(source, storm_key, window_start_ms, window_count, head, last_seen_ms) \
             on conflict (source, storm_key) do update set window_start = excluded.window_start, \
                 window_count = excluded.window_count, head_alert_id = excluded.head_alert_id, \
                 last_seen = excluded.last_seen",
        )
        .bind(&self.source)
        .bind(&self.key)
        .bind(&self.window_start_ms)
        .bind(&self.window_count)
        .bind(&self.head)
        .bind(&self.last_seen_ms)
        .execute(conn)
        .await?;
        Ok(())
    }
}
