//! The triage score's weights as administrators edit them, and the back-test that shows,
//! before saving, how proposed weights would have ranked the alerts of recently closed
//! incidents. Changes are audited with the weights before and after.

use riposte_domain::Permission;
use riposte_domain::enrichment::{BacktestResult, BacktestSample, ScoreWeights, backtest};
use riposte_domain::incident::Classification;
use serde_json::json;

use crate::admin::Actor;
use crate::enrichment::score_input;
use crate::store::{audit, enrichment as store};
use crate::{Backend, BackendError};

/// Most alerts a back-test looks at.
pub const BACKTEST_LIMIT: i64 = 20_000;
pub const MAX_BACKTEST_DAYS: i32 = 365;

pub async fn weights(backend: &Backend, actor: Actor<'_>) -> Result<ScoreWeights, BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut conn = backend.pool.acquire().await?;
    store::load_weights(&mut conn).await
}

/// Saves new weights; alerts enriched from now on are scored with them.
pub async fn set_weights(backend: &Backend, actor: Actor<'_>, weights: ScoreWeights) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    weights.validate().map_err(|e| riposte_domain::ValidationError::new("weights", e.to_string()))?;
    let mut tx = backend.pool.begin().await?;
    let before = store::load_weights(&mut tx).await?;
    store::save_weights(&mut tx, &weights, actor.label()).await?;
    audit::append(
        &mut tx,
        actor.entry("set_score_weights", "triage score", json!({ "before": before, "after": weights })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How `proposed` would have ranked the enriched alerts of incidents closed in the last
/// `days` days, beside the weights in force.
pub async fn backtest_weights(
    backend: &Backend,
    actor: Actor<'_>,
    proposed: &ScoreWeights,
    days: i32,
) -> Result<BacktestResult, BackendError> {
    actor.require(Permission::ManageSettings)?;
    proposed.validate().map_err(|e| riposte_domain::ValidationError::new("weights", e.to_string()))?;
    if !(1..=MAX_BACKTEST_DAYS).contains(&days) {
        return Err(
            riposte_domain::ValidationError::new("days", format!("look back 1 to {MAX_BACKTEST_DAYS} days")).into()
        );
    }
    let mut conn = backend.pool.acquire().await?;
    let current = store::load_weights(&mut conn).await?;
    let samples: Vec<BacktestSample> = store::closed_samples(&mut *conn, days, BACKTEST_LIMIT)
        .await?
        .into_iter()
        .filter_map(|row| {
            let classification = Classification::parse(&row.classification)?;
            Some(BacktestSample {
                alert_id: row.alert_id,
                title: row.title,
                classification,
                input: score_input(row.severity, &row.packet.0),
            })
        })
        .collect();
    Ok(backtest(&current, proposed, &samples))
}
