//! Search across incidents, alerts, entities and comments. Alerts are listed only for
//! users who may see the alert queue.

use riposte_domain::Permission;
use riposte_domain::alert::Severity;
use riposte_domain::incident::{AlertHit, CommentHit, EntityHit, SearchResults};

use super::summary;
use crate::alerts::rfc3339;
use crate::store::{incidents, search as store};
use crate::{Backend, BackendError, CurrentUser};

const PER_KIND: i64 = 25;
pub const MAX_QUERY: usize = 200;

pub async fn search(backend: &Backend, user: &CurrentUser, query: &str) -> Result<SearchResults, BackendError> {
    user.require(Permission::ViewIncidents)?;
    let query = query.trim();
    if query.is_empty() {
        return Ok(SearchResults::default());
    }
    if query.chars().count() > MAX_QUERY {
        return Err(riposte_domain::ValidationError::new("q", format!("at most {MAX_QUERY} characters")).into());
    }
    let pool = &backend.pool;
    let see_alerts = user.require(Permission::ViewQueue).is_ok();
    let alerts = async { if see_alerts { store::alerts(pool, query, PER_KIND).await } else { Ok(Vec::new()) } };
    let (incident_ids, alerts, entities, comments) = tokio::try_join!(
        store::incident_ids(pool, query, PER_KIND),
        alerts,
        store::entities(pool, query, PER_KIND),
        store::comments(pool, query, PER_KIND),
    )?;
    let incidents =
        incidents::find_many(pool, &incident_ids).await?.into_iter().map(summary).collect::<Result<_, _>>()?;
    Ok(SearchResults {
        incidents,
        alerts: alerts
            .into_iter()
            .map(|a| AlertHit {
                id: a.alert_id,
                title: a.title,
                source: a.source,
                severity: Severity::from_ocsf_id(i64::from(a.severity)).unwrap_or(Severity::Medium),
                received_at: rfc3339(a.received_at),
                incident_id: a.incident_id,
            })
            .collect(),
        entities: entities
            .into_iter()
            .map(|e| EntityHit {
                kind: e.kind,
                value: e.value,
                incident_id: e.incident_id,
                alert_count: i64::from(e.alert_count),
                last_seen: rfc3339(e.last_seen),
            })
            .collect(),
        comments: comments
            .into_iter()
            .map(|c| CommentHit {
                id: c.comment_id,
                incident_id: c.incident_id,
                author: c.author,
                at: rfc3339(c.created_at),
                excerpt: c.body,
            })
            .collect(),
    })
}
