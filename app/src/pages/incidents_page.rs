//! Incident queues: one per tier (Tier 1 triage, Tier 2, IR, NOC), "my work" and all open
//! incidents; filters are a plain GET form (links that work without JavaScript); the list and
//! the user's notices refresh live.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use riposte_domain::Permission;
use riposte_domain::alert::Severity;
use riposte_domain::incident::sla::SlaBadge;
use riposte_domain::incident::{IncidentSort, IncidentStatus, IncidentSummary};

use crate::api::incidents_api::{MarkNoticeRead, list_incidents, list_notices};
use crate::components::list_outcome::list_or_empty;
use crate::components::live_refresh::refresh_on_incident_changes;
use crate::components::require_permission::RequirePermission;
use crate::components::row_keys::navigate_rows_with_keys;
use crate::pages::queue_page::short_time;

const QUEUES: [(&str, &str); 6] = [
    ("tier1", "Tier 1 triage"),
    ("tier2", "Tier 2"),
    ("ir", "Incident response"),
    ("noc", "NOC"),
    ("mine", "My work"),
    ("all", "All open"),
];

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let query = use_query_map();
    let current = move |name: &'static str| query.with(|q| q.get(name).unwrap_or_default());
    let (refresh, bump) = signal(0u32);
    refresh_on_incident_changes(bump, None);
    navigate_rows_with_keys("[data-testid=incident-queue] tbody a.row-link", "#incident-status");
    let mark_read = ServerAction::<MarkNoticeRead>::new();
    let incidents = Resource::new(
        move || (current("queue"), current("status"), current("severity"), current("sort"), refresh.get()),
        |(queue, status, severity, sort, _)| {
            let some = |v: String| Some(v).filter(|v| !v.is_empty());
            list_incidents(some(queue), some(status), some(severity), some(sort))
        },
    );
    let notices = Resource::new(move || (refresh.get(), mark_read.version().get()), |_| list_notices());
    view! {
        <Title text="Incidents · Riposte"/>
        <RequirePermission permission=Permission::ViewIncidents>
            <h1>"Incidents"</h1>
            <Transition fallback=|| ()>
                {move || notices.get().and_then(Result::ok).filter(|n| !n.is_empty()).map(|list| view! {
                    <section class="panel notices" data-testid="notices" aria-label="For you">
                        <h2>"For you"</h2>
                        <ul>
                            {list.into_iter().map(|n| view! {
                                <li>
                                    <a href=n.incident_id.map_or_else(|| "/containment".to_owned(), |i| format!("/incidents/{i}"))>{n.text}</a>
                                    " " <span class="mono hint">{short_time(&n.at)}</span>
                                    <ActionForm action=mark_read attr:class="inline-form">
                                        <input type="hidden" name="notice_id" value=n.id/>
                                        <button type="submit">"Dismiss"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })}
            </Transition>
            <nav class="tabs" aria-label="Queues">
                {QUEUES.into_iter().map(|(key, label)| view! {
                    <a href=format!("/incidents?queue={key}")
                        aria-current=move || (current("queue") == key).then_some("page")>{label}</a>
                }).collect_view()}
            </nav>
            <form method="get" action="/incidents" class="row-form filters" role="search" aria-label="Filter incidents">
                <input type="hidden" name="queue" value=move || current("queue")/>
                <label>"Status"
                    <select id="incident-status" name="status">
                        <option value="">"Open"</option>
                        {IncidentStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || current("status") == s.as_str()>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Severity"
                    <select name="severity">
                        <option value="">"Any"</option>
                        {Severity::ALL.into_iter().rev().map(|s| view! {
                            <option value=s.as_str() selected=move || current("severity") == s.as_str()>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Sort"
                    <select name="sort">
                        {IncidentSort::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || current("sort") == s.as_str()>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Filter"</button>
            </form>
            <p class="hint">"Keys: " <kbd>"j"</kbd> " / " <kbd>"k"</kbd> " move, " <kbd>"Enter"</kbd> " opens. "
                <a href="/search">"Search incidents, alerts, entities and comments"</a></p>
            <Transition fallback=|| view! { <p class="loading">"Loading incidents…"</p> }>
                {move || incidents.get().map(|result| list_or_empty(
                    result,
                    "No incidents in this queue. Correlated alerts open incidents here.",
                    |list| view! { <IncidentTable list/> },
                ))}
            </Transition>
        </RequirePermission>
    }
}

/// The running SLA clock as a badge coloured by urgency; a dash once contained.
pub fn sla_badge(sla: Option<SlaBadge>) -> impl IntoView {
    match sla {
        Some(b) => view! { <span class=format!("badge sla sla-{}", b.urgency)>{b.label}</span> }.into_any(),
        None => view! { <span class="hint">"—"</span> }.into_any(),
    }
}

#[component]
fn IncidentTable(list: Vec<IncidentSummary>) -> impl IntoView {
    view! {
        <table class="grid" data-testid="incident-queue">
            <thead>
                <tr>
                    <th>"Priority"</th><th>"SLA"</th><th>"Severity"</th><th>"Incident"</th><th>"Status"</th><th>"With"</th>
                    <th>"Owner"</th><th>"Alerts"</th><th>"Last activity"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|i| view! {
                    <tr data-incident-id=i.id>
                        <td>{i.priority.label()}</td>
                        <td data-testid="sla">{sla_badge(i.sla)}</td>
                        <td><span class=format!("sev sev-{}", i.severity.as_str())>{i.severity.as_str()}</span></td>
                        <td>
                            <a class="row-link" href=format!("/incidents/{}", i.id)>{format!("#{} ", i.id)}{i.title}</a>
                            {i.pending_handoff.map(|to| view! {
                                " " <span class="badge" data-testid="pending-handoff">{format!("hand-off to {} waiting", to.label())}</span>
                            })}
                        </td>
                        <td>{i.status.as_str()}</td>
                        <td>{i.tier.label()}</td>
                        <td>{i.owner.unwrap_or_else(|| "—".into())}</td>
                        <td class="mono">{if i.event_count > i.alert_count { format!("{} ({})", i.alert_count, i.event_count) } else { i.alert_count.to_string() }}</td>
                        <td class="mono">{short_time(&i.last_seen)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
