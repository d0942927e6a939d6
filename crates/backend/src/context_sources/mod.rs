//! Importing enrichment's context sources: the asset inventory (CSV, JSON) and watchlists
//! (CSV, STIX 2.1 bundles, MISP feed events). An import is a job: the file is stored, read
//! whole, and with any bad record nothing is stored and every bad record is reported by row;
//! a clean file is stored in one transaction (progress visible as it goes) and audited. A job
//! interrupted by a restart runs again from its stored file. A job may name a URL instead of
//! a file (see [`fetch`]): the job fetches it when it runs.

pub mod fetch;

use riposte_domain::Permission;
use riposte_domain::enrichment::{Asset, ImportReport, ImportView, Indicator, RowProblem};
use riposte_import::{ImportError, Parsed, RowError};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::admin::Actor;
use crate::caller::Caller;
use crate::store::audit::{self, AuditEntry};
use crate::store::context_sources::{self as store, NewImport};
use crate::tokens::TokenScope;
use crate::{Backend, BackendError};
use fetch::Fetched;

/// Records written between two progress updates.
const PROGRESS_EVERY: usize = 10_000;
const MAX_SOURCE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextKind {
    Assets,
    Indicators,
}

impl ContextKind {
    pub fn parse(name: &str) -> Option<ContextKind> {
        match name.trim().to_ascii_lowercase().as_str() {
            "assets" | "asset" | "inventory" => Some(ContextKind::Assets),
            "indicators" | "indicator" | "watchlist" | "intel" => Some(ContextKind::Indicators),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContextKind::Assets => "assets",
            ContextKind::Indicators => "indicators",
        }
    }

    /// The file formats it is imported from.
    pub fn formats(self) -> &'static [&'static str] {
        match self {
            ContextKind::Assets => &["csv", "json"],
            ContextKind::Indicators => &["csv", "stix", "misp"],
        }
    }
}

/// What a file held, read and checked.
enum Records {
    Assets(Parsed<Asset>),
    Indicators(Parsed<Indicator>),
}

impl Records {
    fn read(kind: ContextKind, format: &str, source: &str, file: &[u8]) -> Result<Records, BackendError> {
        let (assets, indicators) = (Records::assets, Records::indicators);
        let parsed = match (kind, format) {
            (ContextKind::Assets, "csv") => riposte_import::assets::from_csv(file).map(assets),
            (ContextKind::Assets, "json") => riposte_import::assets::from_json(file).map(assets),
            (ContextKind::Indicators, "csv") => riposte_import::indicators::from_csv(file, source).map(indicators),
            (ContextKind::Indicators, "stix") => riposte_import::stix::from_bundle(file, source).map(indicators),
            (ContextKind::Indicators, "misp") => riposte_import::misp::from_event(file, source).map(indicators),
            _ => return Err(bad_format(kind, format)),
        };
        parsed.map_err(file_error)
    }

    /// What a URL gave: one file as [`Records::read`], or a whole MISP feed's events.
    fn read_fetched(kind: ContextKind, format: &str, source: &str, fetched: &Fetched) -> Result<Records, BackendError> {
        match fetched {
            Fetched::File(bytes) => Records::read(kind, format, source, bytes),
            Fetched::MispFeed(events) => {
                riposte_import::misp_feed::from_events(events, source).map(Records::indicators).map_err(file_error)
            }
        }
    }

    // One row per asset and per indicator: a later entry for the same one wins.
    fn assets(mut parsed: Parsed<Asset>) -> Records {
        parsed.keep_last_by(store::natural_key);
        Records::Assets(parsed)
    }

    fn indicators(mut parsed: Parsed<Indicator>) -> Records {
        parsed.keep_last_by(|i| (i.kind, i.value.clone(), i.source.clone()));
        Records::Indicators(parsed)
    }

    fn len(&self) -> usize {
        match self {
            Records::Assets(p) => p.records.len(),
            Records::Indicators(p) => p.records.len(),
        }
    }

    fn report(&self) -> ImportReport {
        let problems =
            |rows: &[RowError]| rows.iter().map(|e| RowProblem { row: e.row, message: e.message.clone() }).collect();
        let (errors, skipped) = match self {
            Records::Assets(p) => (&p.errors, &p.skipped),
            Records::Indicators(p) => (&p.errors, &p.skipped),
        };
        ImportReport { imported: 0, valid: self.len(), errors: problems(errors), skipped: problems(skipped) }
    }

    /// Stores every record in the caller's transaction and audits the import as `who`; with a
    /// job, records its progress (outside the transaction, so others see it) after each slice.
    async fn store(
        &self,
        conn: &mut PgConnection,
        who: &Who<'_>,
        detail: serde_json::Value,
        job: Option<(&PgPool, i64)>,
    ) -> Result<usize, BackendError> {
        let total = self.len();
        let progress = async |done: usize| match job {
            Some((pool, id)) => store::set_progress(pool, id, total, done).await,
            None => Ok(()),
        };
        let mut done = 0;
        match self {
            Records::Assets(parsed) => {
                for slice in parsed.records.chunks(PROGRESS_EVERY) {
                    store::upsert_assets(&mut *conn, slice, who.name).await?;
                    done += slice.len();
                    progress(done).await?;
                }
            }
            Records::Indicators(parsed) => {
                for slice in parsed.records.chunks(PROGRESS_EVERY) {
                    store::upsert_indicators(&mut *conn, slice).await?;
                    done += slice.len();
                    progress(done).await?;
                }
            }
        }
        let (action, kind) = match self {
            Records::Assets(_) => ("import_assets", "assets"),
            Records::Indicators(_) => ("import_indicators", "indicators"),
        };
        let mut detail = detail;
        detail["records"] = json!(done);
        let entry = AuditEntry {
            actor_user_id: who.user_id,
            actor: who.name,
            action,
            subject: Some(if who.source.is_empty() { kind } else { who.source }),
            detail,
            client_addr: None,
        };
        audit::append(&mut *conn, entry).await?;
        Ok(done)
    }
}

/// Who imports, and the list or feed named (the audit entry's subject when given).
struct Who<'a> {
    name: &'a str,
    user_id: Option<i64>,
    source: &'a str,
}

/// One file to import, as sent.
pub struct ImportRequest<'a> {
    pub kind: ContextKind,
    pub format: &'a str,
    /// The list or feed name; required for watchlists.
    pub source: &'a str,
    pub payload: Payload<'a>,
}

/// What is imported: a file sent with the request, or the file (or MISP feed) at a URL.
pub enum Payload<'a> {
    File { name: &'a str, bytes: &'a [u8] },
    Url(&'a str),
}

/// Stores the file as a job and starts it; returns the job's id at once.
pub async fn queue_import(
    backend: &Backend,
    caller: Caller<'_>,
    request: ImportRequest<'_>,
) -> Result<i64, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let format = request.format.trim().to_ascii_lowercase();
    if !request.kind.formats().contains(&format.as_str()) {
        return Err(bad_format(request.kind, &format));
    }
    let source = check_source(request.kind, request.source)?;
    let (file_name, content, url) = match request.payload {
        Payload::File { bytes: [], .. } => return Err(file_error(ImportError::Empty)),
        Payload::File { name, bytes } => (name.chars().take(MAX_SOURCE).collect::<String>(), Some(bytes), None),
        Payload::Url(text) => {
            let url = fetch::check_url(text).map_err(|e| riposte_domain::ValidationError::new("url", e))?;
            (url.to_string().chars().take(MAX_SOURCE).collect(), None, Some(url.to_string()))
        }
    };
    let (user_id, name) = caller.audit_identity();
    let mut conn = backend.pool.acquire().await?;
    let id = store::insert_import(
        &mut conn,
        &NewImport {
            kind: request.kind.as_str(),
            format: &format,
            source: &source,
            file_name: &file_name,
            requested_by: &name,
            requested_by_user_id: user_id,
            content,
            url: url.as_deref(),
        },
    )
    .await?;
    spawn_import(backend.clone(), id);
    Ok(id)
}

/// Runs the job in the background.
pub fn spawn_import(backend: Backend, id: i64) {
    tokio::spawn(async move {
        if let Err(err) = run_import(&backend, id).await {
            tracing::error!(import_id = id, error = %err, "context import failed");
            let report = ImportReport {
                errors: vec![RowProblem {
                    row: 0,
                    message: "the import stopped on a server error; see the server log".into(),
                }],
                ..ImportReport::default()
            };
            if let Err(err) = store::finish_import(&backend.pool, id, "failed", &report).await {
                tracing::error!(import_id = id, error = %err, "could not record a failed import");
            }
        }
    });
}

/// Starts again the jobs a stopped server left unfinished.
pub async fn resume_imports(backend: &Backend) -> Result<usize, BackendError> {
    let ids = store::unfinished_imports(&backend.pool).await?;
    for id in &ids {
        spawn_import(backend.clone(), *id);
    }
    Ok(ids.len())
}

/// Runs one job to its end, unless another worker holds it.
pub async fn run_import(backend: &Backend, id: i64) -> Result<(), BackendError> {
    let mut conn = backend.pool.acquire().await?;
    if !store::lock_import(&mut conn, id, true).await? {
        return Ok(());
    }
    let result = run_locked(backend, &mut conn, id).await;
    store::lock_import(&mut conn, id, false).await?;
    result
}

async fn run_locked(backend: &Backend, conn: &mut PgConnection, id: i64) -> Result<(), BackendError> {
    let Some(job) = store::start_import(&mut *conn, id).await? else { return Ok(()) };
    let kind = ContextKind::parse(&job.kind).ok_or(BackendError::Internal(format!("import kind {}", job.kind)))?;
    let read = match &job.url {
        Some(url) => match fetch::fetch(&job.format, url).await {
            Ok(fetched) => Records::read_fetched(kind, &job.format, &job.source, &fetched),
            Err(reason) => Err(riposte_domain::ValidationError::new("url", format!("not fetched: {reason}")).into()),
        },
        None => Records::read(kind, &job.format, &job.source, job.content.as_deref().unwrap_or_default()),
    };
    let records = match read {
        Ok(records) => records,
        Err(err) => {
            let report = ImportReport {
                errors: vec![RowProblem { row: 0, message: err.to_string() }],
                ..ImportReport::default()
            };
            return store::finish_import(&backend.pool, id, "rejected", &report).await;
        }
    };
    let mut report = records.report();
    if !report.errors.is_empty() || report.valid == 0 {
        return store::finish_import(&backend.pool, id, "rejected", &report).await;
    }
    let total = report.valid;
    store::set_progress(&backend.pool, id, total, 0).await?;
    let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
    let who = Who { name: &job.requested_by, user_id: job.requested_by_user_id, source: &job.source };
    let detail = json!({ "import_id": id, "format": job.format, "skipped": report.skipped.len() });
    report.imported = records.store(&mut tx, &who, detail, Some((&backend.pool, id))).await?;
    store::finish_import(&mut *tx, id, "imported", &report).await?;
    tx.commit().await?;
    Ok(())
}

/// Imports a file at once, in the caller's task (the command line, demo mode and tests).
pub async fn import_now(
    backend: &Backend,
    actor: Actor<'_>,
    request: ImportRequest<'_>,
) -> Result<ImportReport, BackendError> {
    actor.require(Permission::ManageContext)?;
    let format = request.format.trim().to_ascii_lowercase();
    let source = check_source(request.kind, request.source)?;
    let records = match request.payload {
        Payload::File { bytes, .. } => Records::read(request.kind, &format, &source, bytes)?,
        Payload::Url(url) => {
            let fetched = fetch::fetch(&format, url)
                .await
                .map_err(|e| riposte_domain::ValidationError::new("url", format!("not fetched: {e}")))?;
            Records::read_fetched(request.kind, &format, &source, &fetched)?
        }
    };
    let mut report = records.report();
    if report.errors.is_empty() && report.valid > 0 {
        let mut tx = backend.pool.begin().await?;
        let who = Who { name: actor.label(), user_id: actor.user_id(), source: &source };
        let detail = json!({ "format": format, "skipped": report.skipped.len() });
        report.imported = records.store(&mut tx, &who, detail, None).await?;
        tx.commit().await?;
    }
    Ok(report)
}

pub async fn import_status(backend: &Backend, caller: Caller<'_>, id: i64) -> Result<ImportView, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let row = store::find_import(&backend.pool, id).await?.ok_or(BackendError::NotFound("import"))?;
    Ok(view(row))
}

pub async fn recent_imports(backend: &Backend, caller: Caller<'_>) -> Result<Vec<ImportView>, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    Ok(store::recent_imports(&backend.pool, 50).await?.into_iter().map(view).collect())
}

fn view(row: store::ImportRow) -> ImportView {
    ImportView {
        id: row.import_id,
        kind: row.kind,
        format: row.format,
        source: row.source,
        file_name: row.file_name,
        requested_by: row.requested_by,
        requested_at: crate::alerts::rfc3339(row.requested_at),
        status: row.status,
        total_rows: row.total_rows,
        done_rows: row.done_rows,
        report: row.report.map(|r| r.0),
        finished_at: row.finished_at.map(crate::alerts::rfc3339),
    }
}

fn check_source(kind: ContextKind, source: &str) -> Result<String, BackendError> {
    let source = source.trim();
    if kind == ContextKind::Indicators && (source.is_empty() || source.chars().count() > MAX_SOURCE) {
        return Err(
            riposte_domain::ValidationError::new("source", "name the list or feed (up to 200 characters)").into()
        );
    }
    Ok(source.chars().take(MAX_SOURCE).collect())
}

fn bad_format(kind: ContextKind, format: &str) -> BackendError {
    riposte_domain::ValidationError::new(
        "format",
        format!("{} are imported from {}, not \"{format}\"", kind.as_str(), kind.formats().join(", ")),
    )
    .into()
}

fn file_error(err: ImportError) -> BackendError {
    riposte_domain::ValidationError::new("file", err.to_string()).into()
}

/// How much context is loaded: (assets, indicators, live indicators).
pub async fn counts(backend: &Backend, caller: Caller<'_>) -> Result<(i64, i64, i64), BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let mut conn = backend.pool.acquire().await?;
    store::counts(&mut conn).await
}
