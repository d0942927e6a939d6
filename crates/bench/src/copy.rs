//! The baseline: the same rows written with one `COPY` into the same table (same indexes and
//! constraints), on the same database, in the same run.

use std::time::{Duration, Instant};

use riposte_domain::alert::NewAlert;
use sqlx::{Connection, PgConnection};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const COLUMNS: &str = "source, source_ref, dedup_key, title, description, severity, event_time, entities, attack_techniques, tags, raw, flow_id";

/// Copies `alerts` (under their own source, so keys cannot collide) and returns the time taken.
pub async fn copy_alerts(conn: &mut PgConnection, alerts: &[NewAlert], source: &str) -> anyhow::Result<Duration> {
    let mut csv = String::with_capacity(alerts.len() * 900);
    for alert in alerts {
        row(&mut csv, alert, source)?;
    }
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    let mut copy = tx.copy_in_raw(&format!("copy alert ({COLUMNS}) from stdin with (format csv)")).await?;
    copy.send(csv.into_bytes()).await?;
    copy.finish().await?;
    tx.commit().await?;
    Ok(started.elapsed())
}

fn row(out: &mut String, alert: &NewAlert, source: &str) -> anyhow::Result<()> {
    let event_time = match alert.event_time_ms {
        Some(ms) => OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)?.format(&Rfc3339)?,
        None => String::new(),
    };
    let fields = [
        quote(source),
        opt(alert.source_ref.as_deref()),
        quote(&alert.dedup_key.0),
        quote(&alert.title),
        quote(&alert.description),
        alert.severity.ocsf_id().to_string(),
        event_time,
        quote(&serde_json::to_string(&alert.entities)?),
        quote(&array(&alert.attack_techniques)),
        quote(&array(&alert.tags)),
        quote(&alert.raw),
        opt(alert.flow_id.as_deref()),
    ];
    out.push_str(&fields.join(","));
    out.push('\n');
    Ok(())
}

/// A CSV field, always quoted (an unquoted empty field is NULL).
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}

fn opt(value: Option<&str>) -> String {
    value.map(quote).unwrap_or_default()
}

/// A PostgreSQL text-array literal with every element quoted.
fn array(items: &[String]) -> String {
    let quoted: Vec<String> =
        items.iter().map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("{{{}}}", quoted.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_for_csv_and_arrays() {
        assert_eq!(quote(r#"say "hi""#), r#""say ""hi""""#);
        assert_eq!(array(&["T1110".into(), r#"a"b"#.into()]), r#"{"T1110","a\"b"}"#);
        assert_eq!(opt(None), "");
    }
}
