//! Rule precision, the score's last factor: how often each detection (source and title) was
//! a true positive in the incidents analysts closed and classified. A periodic refresh
//! recounts the last 90 days; enrichment reads the counts for a batch's detections.

use std::collections::HashMap;
use std::time::Duration;

use riposte_domain::enrichment::packet::Precision;
use sqlx::{PgConnection, PgPool};

use crate::BackendError;
use crate::background::{self, Periodic};
use crate::store::pipeline::Pending;

const REFRESH_PERIOD: Duration = Duration::from_secs(300);

pub fn refresher(pool: PgPool) -> Periodic {
    background::every("precision refresh", REFRESH_PERIOD, move || {
        let pool = pool.clone();
        async move { refresh(&pool).await.map(drop) }
    })
}

/// Recounts every detection's record from the incidents closed in the last 90 days (each
/// incident counts once per detection, however many of its alerts carry it); returns the
/// detections counted.
pub async fn refresh(pool: &PgPool) -> Result<u64, BackendError> {
    let mut tx = pool.begin().await?;
    sqlx::query("delete from detection_precision").execute(&mut *tx).await?;
    let counted = sqlx::query(
        "insert into detection_precision (source, title, true_positives, classified) \
         select a.source, a.title, \
                count(distinct i.incident_id) filter (where i.classification = 'true_positive'), \
                count(distinct i.incident_id) \
         from incident i join incident_alert l using (incident_id) join alert a on a.alert_id = l.alert_id \
         where i.status = 'closed' and i.classification <> 'duplicate' and i.updated_at > now() - interval '90 days' \
         group by a.source, a.title",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(counted)
}

/// The records of the batch's detections, by (source, title).
pub async fn records(
    conn: &mut PgConnection,
    alerts: &[&Pending],
) -> Result<HashMap<(String, String), Precision>, BackendError> {
    let (sources, titles): (Vec<&str>, Vec<&str>) =
        alerts.iter().map(|a| (a.source.as_str(), a.title.as_str())).unzip();
    let rows: Vec<(String, String, i32, i32)> = sqlx::query_as(
        "select d.source, d.title, d.true_positives, d.classified \
         from detection_precision d join (select distinct * from unnest($1::text[], $2::text[])) b(source, title) \
           using (source, title)",
    )
    .bind(&sources)
    .bind(&titles)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(source, title, tp, n)| {
            let record =
                Precision { true_positives: u32::try_from(tp).unwrap_or(0), classified: u32::try_from(n).unwrap_or(0) };
            ((source, title), record)
        })
        .collect())
}
