//! The rule set in force and its administration: administrators edit the text form, every
//! save is a new version (kept with who saved it and why), checked before it is accepted.

use riposte_domain::Permission;
use riposte_domain::escalation::{Rule, RuleSetVersion, RuleSpec, RuleSummary, compile_all};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::text;
use crate::admin::Actor;
use crate::alerts::rfc3339;
use crate::store::escalation::{self as store, RuleSetRow};
use crate::store::{audit, notify as channels};
use crate::{Backend, BackendError};

/// The rules a new installation starts with.
pub const DEFAULT_RULES: &str = include_str!("default_rules.toml");
/// Versions the history page lists.
pub const HISTORY: i64 = 50;
pub const MAX_TEXT: usize = 200_000;
pub const MAX_COMMENT: usize = 500;

/// The checked rules of the newest version.
pub struct InForce {
    pub version: i32,
    pub rules: Vec<Rule>,
}

/// The rules the pipeline applies. Every saved set was checked, so a set that no longer
/// compiles (saved by a different release) is reported and skipped rather than half-applied.
pub async fn in_force(conn: &mut PgConnection) -> Result<Option<InForce>, BackendError> {
    let Some((version, specs)) = store::rules_in_force(&mut *conn).await? else {
        return Ok(None);
    };
    match compile_all(&specs.0) {
        Ok(rules) => Ok(Some(InForce { version, rules })),
        Err(error) => {
            tracing::error!(version, %error, "escalation rules in force do not compile; none applied");
            Ok(None)
        }
    }
}

/// Saves the default rules as version 1 when no rule set was ever saved.
pub async fn ensure_defaults(pool: &PgPool) -> Result<(), BackendError> {
    let mut tx = pool.begin().await?;
    if store::rules_in_force(&mut *tx).await?.is_none() {
        let rules = text::parse(DEFAULT_RULES).map_err(|e| BackendError::Internal(format!("default rules: {e}")))?;
        store::save_rules(&mut tx, None, DEFAULT_RULES, &rules, "default", "Rules Riposte ships with").await?;
    }
    tx.commit().await?;
    Ok(())
}

fn invalid(message: impl Into<String>) -> BackendError {
    riposte_domain::ValidationError::new("rules", message).into()
}

/// Checks a rule set's text: it parses, every rule compiles, and every channel it pages
/// exists. Returns the rules and their summaries.
pub async fn check(conn: &mut PgConnection, source: &str) -> Result<(Vec<RuleSpec>, Vec<RuleSummary>), BackendError> {
    if source.len() > MAX_TEXT {
        return Err(invalid(format!("the rule set is longer than {MAX_TEXT} bytes")));
    }
    let specs = text::parse(source).map_err(invalid)?;
    let rules = compile_all(&specs).map_err(invalid)?;
    let known = channels::channel_names(&mut *conn).await?;
    for rule in &rules {
        if let Some(missing) = rule.outcomes.page.iter().find(|c| !known.contains(c.as_str())) {
            return Err(invalid(format!(
                "rule \"{}\": then.page: no notification channel is named \"{missing}\"",
                rule.name
            )));
        }
    }
    let summaries = rules.iter().zip(&specs).map(|(rule, spec)| rule.summary(spec)).collect();
    Ok((specs, summaries))
}

fn version_of(row: RuleSetRow) -> RuleSetVersion {
    let rules = compile_all(&row.rules.0)
        .map(|rules| rules.iter().zip(&row.rules.0).map(|(r, s)| r.summary(s)).collect())
        .unwrap_or_default();
    RuleSetVersion {
        version: row.version,
        text: row.text,
        saved_by: row.saved_by,
        saved_at: rfc3339(row.saved_at),
        comment: row.comment,
        rules,
    }
}

/// The rule set in force first, then earlier versions, newest first.
pub async fn history(backend: &Backend, actor: Actor<'_>) -> Result<Vec<RuleSetVersion>, BackendError> {
    actor.require(Permission::ManageSettings)?;
    Ok(store::rule_set_history(&backend.pool, HISTORY).await?.into_iter().map(version_of).collect())
}

/// Checks a draft without saving it.
pub async fn preview(backend: &Backend, actor: Actor<'_>, source: &str) -> Result<Vec<RuleSummary>, BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut conn = backend.pool.acquire().await?;
    Ok(check(&mut conn, source).await?.1)
}

/// Saves a new version if the newest is still `expected` (the one the editor started from);
/// otherwise a conflict naming the newer version. Returns the new version.
pub async fn save(
    backend: &Backend,
    actor: Actor<'_>,
    expected: Option<i32>,
    source: &str,
    comment: &str,
) -> Result<i32, BackendError> {
    actor.require(Permission::ManageSettings)?;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(invalid(format!("a comment has at most {MAX_COMMENT} characters")));
    }
    let mut tx = backend.pool.begin().await?;
    let (specs, _) = check(&mut tx, source).await?;
    let Some(version) = store::save_rules(&mut tx, expected, source, &specs, actor.label(), comment).await? else {
        let newest = store::rules_in_force(&mut *tx).await?.map(|(version, _)| version);
        return Err(BackendError::Conflict(format!(
            "someone saved version {} of the rules since you opened them; reload to see it",
            newest.unwrap_or_default()
        )));
    };
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    audit::append(
        &mut tx,
        actor.entry(
            "save_escalation_rules",
            "escalation rules",
            json!({ "version": version, "rules": names, "comment": comment }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}
