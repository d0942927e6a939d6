//! One import job: its progress while it runs (the page reloads itself each second until the
//! job ends) and then its report, with every bad row and every row passed over. Row messages
//! quote the file, which comes from outside: they are rendered as text.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;
use riposte_domain::Permission;
use riposte_domain::enrichment::{ImportView, RowProblem};

use crate::api::context_api::get_context_import;
use crate::components::require_permission::RequirePermission;
use crate::pages::context_page::progress_text;

#[component]
pub fn ContextImportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let job = Resource::new(id, get_context_import);
    view! {
        <Title text="Import · Riposte"/>
        <RequirePermission permission=Permission::ManageContext>
            <p><a href="/context">"← Context sources"</a></p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || job.get().map(|result| match result {
                    Ok(i) => view! { <Job i/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn Job(i: ImportView) -> impl IntoView {
    let finished = i.is_finished();
    let percent = match (i.total_rows, finished) {
        (_, true) => 100,
        (Some(total), false) if total > 0 => i.done_rows.saturating_mul(100) / total,
        _ => 0,
    };
    let report = i.report.clone().unwrap_or_default();
    view! {
        {(!finished).then(|| view! { <Meta http_equiv="refresh" content="1"/> })}
        <h1>"Import of " {i.kind.clone()} " (" {i.format.clone()} ")"</h1>
        <dl class="facts">
            <dt>"File"</dt><dd class="mono">{i.file_name.clone()}</dd>
            <dt>"List or feed"</dt><dd>{if i.source.is_empty() { "—".to_owned() } else { i.source.clone() }}</dd>
            <dt>"Sent by"</dt><dd>{i.requested_by.clone()}</dd>
            <dt>"Status"</dt><dd data-testid="import-status">{i.status.clone()}</dd>
            <dt>"Progress"</dt><dd><progress max="100" value=percent></progress>" " {progress_text(&i)}</dd>
        </dl>
        {(i.status == "rejected").then(|| view! {
            <p class="error" role="alert">"Nothing was stored: fix the rows below and send the file again."</p>
        })}
        <Problems title="Bad rows" rows=report.errors testid="import-errors"/>
        <Problems title="Passed over" rows=report.skipped testid="import-skipped"/>
    }
}

#[component]
fn Problems(title: &'static str, rows: Vec<RowProblem>, testid: &'static str) -> impl IntoView {
    (!rows.is_empty()).then(|| {
        view! {
            <h2>{title} " (" {rows.len()} ")"</h2>
            <table class="grid" data-testid=testid>
                <thead><tr><th>"Row"</th><th>"Problem"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|p| view! {
                        <tr><td>{if p.row == 0 { "file".to_owned() } else { p.row.to_string() }}</td><td>{p.message}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}
