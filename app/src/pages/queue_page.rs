//! The Tier 1 alert queue: newest first, filtered by source, severity, status or entity
//! (a plain GET form, so filters are links and work without JavaScript), refreshed live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use riposte_domain::Permission;
use riposte_domain::alert::{AlertFilter, AlertStatus, AlertSummary, Severity};

use crate::api::alerts_api::list_alerts;
use crate::components::list_outcome::list_or_empty;
use crate::components::live_refresh::refresh_on_new_alerts;
use crate::components::require_permission::RequirePermission;
use crate::components::row_keys::navigate_rows_with_keys;

#[component]
pub fn QueuePage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        let q = query.get();
        let text = |name: &str| q.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        AlertFilter {
            source: text("source"),
            severity: text("severity").and_then(|s| Severity::parse(&s)),
            status: text("status").and_then(|s| AlertStatus::parse(&s)),
            entity: text("entity"),
            rollup_of: text("storm").and_then(|s| s.parse().ok()),
        }
    };
    let (refresh, bump) = signal(0u32);
    refresh_on_new_alerts(bump);
    navigate_rows_with_keys("[data-testid=alert-queue] tbody a.row-link", "#queue-entity");
    let alerts = Resource::new(
        move || (filter(), refresh.get()),
        |(f, _)| list_alerts(f.source, f.severity, f.status, f.entity, f.rollup_of),
    );
    let current = move |name: &'static str| query.with(|q| q.get(name).unwrap_or_default());
    view! {
        <Title text="Alert queue · Riposte"/>
        <RequirePermission permission=Permission::ViewQueue>
            <h1>"Alert queue"</h1>
            <p class="hint">"Keys: " <kbd>"j"</kbd> " / " <kbd>"k"</kbd> " move, " <kbd>"Enter"</kbd> " opens, " <kbd>"/"</kbd> " filters."</p>
            {move || query.with(|q| q.get("storm")).map(|head| view! {
                <p class="notice" data-testid="storm-members">
                    "Showing the alerts rolled into storm " <a href=format!("/alerts/{head}")>{format!("#{head}")}</a>
                    ". " <a href="/queue">"Back to the queue"</a>
                </p>
            })}
            <form method="get" action="/queue" class="row-form filters" role="search" aria-label="Filter alerts">
                <label>"Source" <input name="source" value=move || current("source")/></label>
                <label>"Severity"
                    <select name="severity">
                        <option value="">"Any"</option>
                        {Severity::ALL.into_iter().rev().map(|s| view! {
                            <option value=s.as_str() selected=move || current("severity") == s.as_str()>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Status"
                    <select name="status">
                        <option value="">"Any"</option>
                        {AlertStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || current("status") == s.as_str()>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Entity" <input id="queue-entity" name="entity" placeholder="address, host, user…" value=move || current("entity")/></label>
                <button type="submit">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading alerts…"</p> }>
                {move || alerts.get().map(|result| list_or_empty(
                    result,
                    "No alerts match. New alerts appear here as sources send them.",
                    |list| view! { <AlertTable list/> },
                ))}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn AlertTable(list: Vec<AlertSummary>) -> impl IntoView {
    view! {
        <table class="grid" data-testid="alert-queue">
            <thead>
                <tr><th>"Severity"</th><th>"Alert"</th><th>"Source"</th><th>"Entities"</th><th>"Received"</th><th>"Status"</th></tr>
            </thead>
            <tbody>
                {list.into_iter().map(|alert| {
                    let entities = alert.entities.iter().take(4).map(|e| e.value.clone()).collect::<Vec<_>>().join(", ");
                    view! {
                        <tr data-alert-id=alert.id>
                            <td><span class=format!("sev sev-{}", alert.severity.as_str())>{alert.severity.as_str()}</span></td>
                            <td>
                                <a class="row-link" href=format!("/alerts/{}", alert.id)>{alert.title}</a>
                                {(alert.occurrences > 1).then(|| view! {
                                    " " <a class="storm-count" href=format!("/queue?storm={}", alert.id)
                                        title="Rolled-up storm: see every alert in it">{format!("×{}", alert.occurrences)}</a>
                                })}
                            </td>
                            <td class="mono">{alert.source}</td>
                            <td class="mono">{entities}</td>
                            <td class="mono">{short_time(&alert.received_at)}</td>
                            <td>{alert.status.as_str()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// "2026-11-22T18:03:04.123Z" -> "2026-11-22 18:03:04"; from the server's text, so both sides agree.
pub fn short_time(rfc3339: &str) -> String {
    rfc3339.get(..19).map_or_else(|| rfc3339.to_owned(), |t| t.replace('T', " "))
}
