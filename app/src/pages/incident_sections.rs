//! The incident page's evidence: the tactic-grouped timeline, the entity panel, the linked
//! alerts with why each is there, and the event log with undo.

use leptos::prelude::*;
use riposte_domain::correlation::LinkReason;
use riposte_domain::incident::{EntityUsage, EventView, LinkedAlert, Timeline, TimelineItem};

use crate::pages::incident_page::IncidentActions;
use crate::pages::queue_page::short_time;

#[component]
pub fn TimelineView(timeline: Timeline) -> impl IntoView {
    let shown: usize = timeline.groups.iter().map(|g| g.entries.len()).sum();
    view! {
        <section class="panel" aria-label="Timeline" data-testid="timeline">
            <h2>"Timeline"</h2>
            {(i64::try_from(shown).unwrap_or(i64::MAX) < timeline.total).then(|| view! {
                <p class="hint">{format!("The latest {shown} of {} entries.", timeline.total)}</p>
            })}
            {timeline.groups.into_iter().map(|group| view! {
                <h3>{group.tactic.map_or_else(|| "Not mapped to ATT&CK".to_owned(), |t| format!("{} ({})", t.label(), t.id()))}</h3>
                <ol class="timeline">
                    {group.entries.into_iter().map(|entry| view! {
                        <li>
                            <span class="mono">{short_time(&entry.at)}</span>" "
                            <span class="mono hint">{entry.source}</span>" "
                            {match entry.what {
                                TimelineItem::Alert { id, title, severity, occurrences } => view! {
                                    <span class=format!("sev sev-{}", severity.as_str())>{severity.as_str()}</span>" "
                                    <a href=format!("/alerts/{id}")>{title}</a>
                                    {(occurrences > 1).then(|| format!(" ×{occurrences}"))}
                                }.into_any(),
                                TimelineItem::Context { id, kind, alert_id } => view! {
                                    <span>{format!("{kind} event #{id}, same session as ")}</span>
                                    <a href=format!("/alerts/{alert_id}")>{format!("alert #{alert_id}")}</a>
                                }.into_any(),
                            }}
                        </li>
                    }).collect_view()}
                </ol>
            }).collect_view()}
        </section>
    }
}

#[component]
pub fn EntityPanel(entities: Vec<EntityUsage>) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Entities" data-testid="entities">
            <h2>"Entities"</h2>
            <table class="grid">
                <thead><tr><th>"Kind"</th><th>"Value"</th><th>"Side"</th><th>"Alerts"</th><th>"Also in"</th></tr></thead>
                <tbody>
                    {entities.into_iter().map(|e| view! {
                        <tr>
                            <td>{e.entity.kind.as_str()}</td>
                            <td class="mono"><a href=format!("/search?q={}", encode(&e.entity.value))>{e.entity.value.clone()}</a></td>
                            <td>{e.entity.role.map_or("", |r| r.as_str())}</td>
                            <td class="mono">{e.alert_count}</td>
                            <td>{e.other_incidents.into_iter().map(|other| view! {
                                <a href=format!("/incidents/{other}")>{format!("#{other}")}</a>" "
                            }).collect_view()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Percent-encodes a query value (entity values are attacker-controlled).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn reason_text(reason: &Option<LinkReason>, linked_by: &str) -> String {
    match reason {
        Some(r) => format!(
            "{}: {}",
            r.rule_id,
            r.entities.iter().map(|e| format!("{} {}", e.kind.as_str(), e.value)).collect::<Vec<_>>().join(" + ")
        ),
        None if linked_by == "correlation" => "opened the incident".to_owned(),
        None => format!("linked by {linked_by}"),
    }
}

#[component]
pub fn LinkedAlerts(id: i64, alerts: Vec<LinkedAlert>, total: i64, actions: IncidentActions) -> impl IntoView {
    let shown = alerts.len();
    view! {
        <section class="panel" aria-label="Linked alerts" data-testid="linked-alerts">
            <h2>{format!("Linked alerts ({total})")}</h2>
            {(i64::try_from(shown).unwrap_or(i64::MAX) < total).then(|| view! {
                <p class="hint">{format!("The latest {shown} are listed.")}</p>
            })}
            <table class="grid">
                <thead><tr><th>"Severity"</th><th>"Alert"</th><th>"Source"</th><th>"Why it is here"</th><th>"Received"</th><th></th></tr></thead>
                <tbody>
                    {alerts.into_iter().map(|l| {
                        let a = l.alert;
                        view! {
                            <tr data-alert-id=a.id>
                                <td><span class=format!("sev sev-{}", a.severity.as_str())>{a.severity.as_str()}</span></td>
                                <td><a href=format!("/alerts/{}", a.id)>{format!("#{} ", a.id)}{a.title}</a>
                                    {(a.occurrences > 1).then(|| format!(" ×{}", a.occurrences))}</td>
                                <td class="mono">{a.source}</td>
                                <td class="mono" data-testid="link-reason">{reason_text(&l.reason, &l.linked_by)}</td>
                                <td class="mono">{short_time(&a.received_at)}</td>
                                <td>
                                    <ActionForm action=actions.unlink attr:class="inline-form" attr:aria-label="Unlink alert">
                                        <input type="hidden" name="id" value=id/>
                                        <input type="hidden" name="alert_id" value=a.id/>
                                        <button type="submit">"Unlink"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
pub fn EventLog(events: Vec<EventView>, actions: IncidentActions) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Event log" data-testid="event-log">
            <h2>"Event log"</h2>
            <ol class="events">
                {events.into_iter().rev().map(|e| view! {
                    <li data-kind=e.kind.clone()>
                        <span class="mono">{short_time(&e.at)}</span>" "
                        <strong>{e.actor}</strong>" "
                        <span>{e.text}</span>
                        {e.reason.map(|r| view! { <span class="hint">{format!(" (reason: {r})")}</span> })}
                        {e.undoable.then(|| view! {
                            <ActionForm action=actions.undo attr:class="inline-form" attr:aria-label="Undo">
                                <input type="hidden" name="event_id" value=e.id/>
                                <button type="submit">"Undo"</button>
                            </ActionForm>
                        })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
