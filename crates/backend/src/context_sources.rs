//! Importing enrichment's context sources: the asset inventory (CSV, JSON) and watchlists
//! (CSV, STIX 2.1 bundles, MISP feed events). A file with any bad record stores nothing and
//! reports every bad record by row; a clean file is stored in one transaction and audited.

use riposte_domain::Permission;
use riposte_domain::enrichment::{ImportReport, RowProblem};
use riposte_import::{ImportError, Parsed, RowError};
use serde_json::json;

use crate::admin::Actor;
use crate::store::{audit, context_sources as store};
use crate::{Backend, BackendError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorFormat {
    Csv,
    Stix,
    Misp,
}

impl AssetFormat {
    pub fn parse(name: &str) -> Option<AssetFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(AssetFormat::Csv),
            "json" => Some(AssetFormat::Json),
            _ => None,
        }
    }
}

impl IndicatorFormat {
    pub fn parse(name: &str) -> Option<IndicatorFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(IndicatorFormat::Csv),
            "stix" | "stix2" | "stix2.1" => Some(IndicatorFormat::Stix),
            "misp" => Some(IndicatorFormat::Misp),
            _ => None,
        }
    }
}

pub async fn import_assets(
    backend: &Backend,
    actor: Actor<'_>,
    format: AssetFormat,
    file: &[u8],
) -> Result<ImportReport, BackendError> {
    actor.require(Permission::ManageContext)?;
    let parsed = match format {
        AssetFormat::Csv => riposte_import::assets::from_csv(file),
        AssetFormat::Json => riposte_import::assets::from_json(file),
    }
    .map_err(file_error)?;
    let mut report = report_of(&parsed);
    if report.errors.is_empty() && !parsed.records.is_empty() {
        let mut tx = backend.pool.begin().await?;
        store::upsert_assets(&mut tx, &parsed.records, actor.label()).await?;
        let detail = json!({ "format": format!("{format:?}").to_lowercase(), "assets": parsed.records.len() });
        audit::append(&mut tx, actor.entry("import_assets", "asset inventory", detail)).await?;
        tx.commit().await?;
        report.imported = parsed.records.len();
    }
    Ok(report)
}

/// `list_name` is the source of entries whose file does not name one (CSV) or the feed's
/// name (STIX, MISP).
pub async fn import_indicators(
    backend: &Backend,
    actor: Actor<'_>,
    format: IndicatorFormat,
    list_name: &str,
    file: &[u8],
) -> Result<ImportReport, BackendError> {
    actor.require(Permission::ManageContext)?;
    let list_name = list_name.trim();
    if list_name.is_empty() || list_name.chars().count() > 200 {
        return Err(
            riposte_domain::ValidationError::new("source", "name the list or feed (up to 200 characters)").into()
        );
    }
    let parsed = match format {
        IndicatorFormat::Csv => riposte_import::indicators::from_csv(file, list_name),
        IndicatorFormat::Stix => riposte_import::stix::from_bundle(file, list_name),
        IndicatorFormat::Misp => riposte_import::misp::from_event(file, list_name),
    }
    .map_err(file_error)?;
    let mut report = report_of(&parsed);
    if report.errors.is_empty() && !parsed.records.is_empty() {
        let mut tx = backend.pool.begin().await?;
        store::upsert_indicators(&mut tx, &parsed.records).await?;
        let detail = json!({ "format": format!("{format:?}").to_lowercase(), "indicators": parsed.records.len(),
                             "skipped": parsed.skipped.len() });
        audit::append(&mut tx, actor.entry("import_indicators", list_name, detail)).await?;
        tx.commit().await?;
        report.imported = parsed.records.len();
    }
    Ok(report)
}

fn file_error(err: ImportError) -> BackendError {
    riposte_domain::ValidationError::new("file", err.to_string()).into()
}

fn report_of<T>(parsed: &Parsed<T>) -> ImportReport {
    let problems =
        |rows: &[RowError]| rows.iter().map(|e| RowProblem { row: e.row, message: e.message.clone() }).collect();
    ImportReport {
        imported: 0,
        valid: parsed.records.len(),
        errors: problems(&parsed.errors),
        skipped: problems(&parsed.skipped),
    }
}
