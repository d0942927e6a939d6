//! The identity enricher: for each user an alert names, their sign-in pattern from the
//! logons already ingested, with places from the GeoIP databases when configured (each address looked up once).

use std::collections::HashMap;

use riposte_domain::alert::{EntityKind, EntityRole};
use riposte_domain::enrichment::identity::{AlertSide, HISTORY_DAYS, IdentityContext, Logon, identity_context};
use sqlx::PgConnection;

use super::geo::Places;
use super::{alert_time, latest_times};
use crate::BackendError;
use crate::alerts::epoch_ms;
use crate::store::identity as store;
use crate::store::pipeline::Pending;

/// Logons read per user.
const PER_USER: i64 = 500;

/// Per alert (by position), the identity context of each user it names.
pub async fn identities(
    conn: &mut PgConnection,
    alerts: &[&Pending],
    places: &mut Places<'_>,
) -> Result<Vec<Vec<IdentityContext>>, BackendError> {
    let latest = latest_times(alerts, users);
    if latest.is_empty() {
        return Ok(vec![Vec::new(); alerts.len()]);
    }
    let (names, until): (Vec<String>, Vec<time::OffsetDateTime>) = latest.into_iter().unzip();
    let days = i32::try_from(HISTORY_DAYS).unwrap_or(30);
    let rows = store::logons(conn, &names, &until, days, PER_USER).await?;
    let mut history: HashMap<&str, Vec<Logon>> = HashMap::new();
    for row in &rows {
        history.entry(row.user_key.as_str()).or_default().push(Logon {
            at_ms: epoch_ms(row.at),
            success: row.outcome.as_deref() == Some("success"),
            host: row.host_name.clone(),
            source: row.src_ip.clone(),
            place: row.src_ip.as_deref().and_then(|a| places.of(a)),
        });
    }
    Ok(alerts
        .iter()
        .map(|alert| {
            let source = alert
                .entities
                .0
                .iter()
                .find(|e| e.kind == EntityKind::Ip && e.role != Some(EntityRole::Destination))
                .map(|e| e.value.clone());
            let side = AlertSide {
                at_ms: epoch_ms(alert_time(alert)),
                place: source.as_deref().and_then(|a| places.of(a)),
                source,
                host: alert.entities.0.iter().find(|e| e.kind == EntityKind::Host).map(|e| e.value.clone()),
            };
            users(alert)
                .map(|user| identity_context(&user, history.get(user.as_str()).map_or(&[][..], Vec::as_slice), &side))
                .collect()
        })
        .collect())
}

fn users(alert: &Pending) -> impl Iterator<Item = String> + '_ {
    alert.entities.0.iter().filter(|e| e.kind == EntityKind::User).map(|e| e.value.to_lowercase())
}
