//! Importing the asset inventory and watchlists over HTTP: `POST /api/v1/context/imports`
//! (multipart form: `kind` = assets | indicators, `format`, `source` for watchlists, and either
//! `file` or `url`: a published file, or a MISP feed's `manifest.json`, fetched by the job)
//! queues a job and answers 202 with its id, or, for a browser's form, redirects to the job's
//! page; `GET /api/v1/context/imports/{id}` reports its progress and the per-row errors.
//! Signed-in users need the ManageContext permission; tokens the `context` scope.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use riposte_backend::Backend;
use riposte_backend::context_sources::{ContextKind, ImportRequest, Payload, import_status, queue_import};
use serde_json::json;

use super::api_auth::ApiCaller;
use super::api_error::ApiError;

/// Largest file accepted, as the readers themselves allow.
pub const MAX_IMPORT_BODY: usize = riposte_import::MAX_FILE_BYTES + 64 * 1024;

pub async fn create(
    State(backend): State<Backend>,
    caller: ApiCaller,
    headers: HeaderMap,
    mut form: Multipart,
) -> Result<Response, ApiError> {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_import", message);
    let (mut kind, mut format, mut source, mut url, mut file_name, mut file) =
        (None, String::new(), String::new(), String::new(), String::new(), None);
    while let Some(field) = form.next_field().await.map_err(|e| bad(format!("unreadable form: {e}")))? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                file_name = field.file_name().unwrap_or("").to_owned();
                file = Some(field.bytes().await.map_err(|e| bad(format!("unreadable file: {e}")))?);
            }
            "kind" | "format" | "source" | "url" => {
                let text = field.text().await.map_err(|e| bad(format!("unreadable {name}: {e}")))?;
                match name.as_str() {
                    "kind" => {
                        kind = Some(
                            ContextKind::parse(&text)
                                .ok_or_else(|| bad(format!("kind {text:?} is not known: use assets or indicators")))?,
                        )
                    }
                    "format" => format = text,
                    "url" => url = text.trim().to_owned(),
                    _ => source = text,
                }
            }
            other => return Err(bad(format!("unexpected form field {other:?}"))),
        }
    }
    let kind = kind.ok_or_else(|| bad("the form has no kind (assets or indicators)".into()))?;
    // A browser sends an empty file field when a URL is given instead.
    let file = file.filter(|f| !f.is_empty() || !file_name.is_empty());
    let payload = match (&file, url.is_empty()) {
        (Some(_), false) => return Err(bad("send either a file or a url, not both".into())),
        (Some(bytes), true) => Payload::File { name: &file_name, bytes },
        (None, false) => Payload::Url(&url),
        (None, true) => return Err(bad("the form has no file and no url".into())),
    };
    let request = ImportRequest { kind, format: &format, source: &source, payload };
    let id = queue_import(&backend, caller.as_caller(), request).await?;
    let page = format!("/context/imports/{id}");
    let wants_html =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        return Ok(Redirect::to(&page).into_response());
    }
    let body = json!({ "id": id, "status": "queued", "status_url": format!("/api/v1/context/imports/{id}") });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

pub async fn show(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<riposte_domain::enrichment::ImportView>, ApiError> {
    Ok(Json(import_status(&backend, caller.as_caller(), id).await?))
}
