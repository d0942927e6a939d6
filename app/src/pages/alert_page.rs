//! One alert: normalised fields, its context packet and score, entities, ATT&CK, related
//! context events and the raw payload. Everything from the alert is attacker-controlled and
//! rendered as text.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use riposte_domain::Permission;
use riposte_domain::alert::AlertDetail;

use crate::api::alerts_api::get_alert_detail;
use crate::components::context_packet::ContextPacketView;
use crate::components::require_permission::RequirePermission;
use crate::pages::incident_contain::{AlertContain, AlertContainPanel};
use crate::pages::queue_page::short_time;

#[component]
pub fn AlertPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let detail = Resource::new(id, get_alert_detail);
    let contain = AlertContain::new(id);
    view! {
        <Title text="Alert · Riposte"/>
        <RequirePermission permission=Permission::ViewQueue>
            <Transition fallback=|| view! { <p class="loading">"Loading alert…"</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(alert) => view! { <AlertView alert/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <AlertContainPanel alert_id=id() contain/>
        </RequirePermission>
    }
}

/// A storm head says how many it stands for; a member points at its head.
fn storm_notice(id: i64, occurrences: i32, last_seen: Option<String>, rollup_id: Option<i64>) -> impl IntoView {
    let head = (occurrences > 1).then(|| {
        view! {
            <p class="notice" data-testid="storm-head">
                {format!("Storm: this row stands for {occurrences} alerts of this signature; the latest at {}. ",
                    last_seen.as_deref().map_or_else(String::new, short_time))}
                <a href=format!("/queue?storm={id}")>"See every alert in it"</a>
            </p>
        }
    });
    let member = rollup_id.map(|head| {
        view! {
            <p class="notice" data-testid="storm-member">
                "Rolled up into storm " <a href=format!("/alerts/{head}")>{format!("#{head}")}</a>
            </p>
        }
    });
    (head, member)
}

#[component]
fn AlertView(alert: AlertDetail) -> impl IntoView {
    let s = alert.summary;
    view! {
        <p><a href="/queue">"← Queue"</a></p>
        <h1>
            <span class=format!("sev sev-{}", s.severity.as_str())>{s.severity.as_str()}</span>" "
            <span data-testid="alert-title">{s.title}</span>
        </h1>
        <dl class="facts">
            <dt>"Source"</dt><dd class="mono">{s.source}</dd>
            <dt>"Source id"</dt><dd class="mono">{alert.source_ref.unwrap_or_else(|| "—".into())}</dd>
            <dt>"Status"</dt><dd>{s.status.as_str()}</dd>
            <dt>"Event time"</dt><dd class="mono">{s.event_time.as_deref().map_or_else(|| "—".into(), short_time)}</dd>
            <dt>"Received"</dt><dd class="mono">{short_time(&s.received_at)}</dd>
            <dt>"ATT&CK"</dt><dd class="mono">{if alert.attack_techniques.is_empty() { "—".into() } else { alert.attack_techniques.join(", ") }}</dd>
            <dt>"Tags"</dt><dd>{alert.tags.join(", ")}</dd>
        </dl>
        {storm_notice(s.id, s.occurrences, s.last_seen.clone(), s.rollup_id)}
        <p>{alert.description}</p>
        <h2>"Context and score"</h2>
        <ContextPacketView enrichment=alert.enrichment/>
        <h2>"Entities"</h2>
        <table class="grid">
            <thead><tr><th>"Kind"</th><th>"Value"</th><th>"Side"</th></tr></thead>
            <tbody>
                {s.entities.into_iter().map(|e| view! {
                    <tr>
                        <td>{e.kind.as_str()}</td>
                        <td class="mono">{e.value}</td>
                        <td>{e.role.map_or("", riposte_domain::alert::EntityRole::as_str)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <h2>"Related context (" {alert.context.len()} ")"</h2>
        {alert.context.into_iter().map(|c| view! {
            <details class="context">
                <summary><span class="mono">{c.event_time.as_deref().map_or_else(String::new, short_time)}</span>" "{c.kind}</summary>
                <pre>{c.raw}</pre>
            </details>
        }).collect_view()}
        <h2>"Raw payload"</h2>
        <pre data-testid="raw-payload">{alert.raw}</pre>
    }
}
