//! One incident, shared live by every tier: the record and its edits, the narrative, the
//! timeline, entities, linked alerts, comments, tasks, hand-offs and the event log. Every
//! string that came from an alert or a person is rendered as text.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use riposte_domain::Permission;
use riposte_domain::incident::IncidentDetail;

use crate::api::incidents_api::{
    AcknowledgeHandoff, AddIncidentTask, CommentIncident, HandOffIncident, MergeIncident, SetIncidentTask,
    SplitIncident, UndoIncidentEvent, UnlinkIncidentAlert, UpdateIncident, get_incident,
};
use crate::components::error_notice::ActionOutcome;
use crate::components::live_refresh::refresh_on_incident_changes;
use crate::components::require_permission::RequirePermission;
use crate::components::why_trace::WhyTraces;
use crate::pages::incident_contain::{ContainPanel, IncidentContain};
use crate::pages::incident_sections::{EntityPanel, EventLog, LinkedAlerts, TimelineView};
use crate::pages::incident_work::{Comments, EditPanel, Handoffs, MergeSplit, Tasks};
use crate::pages::incidents_page::sla_badge;
use crate::pages::queue_page::short_time;

/// Every change the page can make; each refetches the incident when it completes.
#[derive(Clone, Copy)]
pub struct IncidentActions {
    pub update: ServerAction<UpdateIncident>,
    pub comment: ServerAction<CommentIncident>,
    pub add_task: ServerAction<AddIncidentTask>,
    pub set_task: ServerAction<SetIncidentTask>,
    pub hand_off: ServerAction<HandOffIncident>,
    pub acknowledge: ServerAction<AcknowledgeHandoff>,
    pub merge: ServerAction<MergeIncident>,
    pub split: ServerAction<SplitIncident>,
    pub unlink: ServerAction<UnlinkIncidentAlert>,
    pub undo: ServerAction<UndoIncidentEvent>,
}

impl IncidentActions {
    fn new() -> Self {
        IncidentActions {
            update: ServerAction::new(),
            comment: ServerAction::new(),
            add_task: ServerAction::new(),
            set_task: ServerAction::new(),
            hand_off: ServerAction::new(),
            acknowledge: ServerAction::new(),
            merge: ServerAction::new(),
            split: ServerAction::new(),
            unlink: ServerAction::new(),
            undo: ServerAction::new(),
        }
    }

    fn versions(&self) -> usize {
        self.update.version().get()
            + self.comment.version().get()
            + self.add_task.version().get()
            + self.set_task.version().get()
            + self.hand_off.version().get()
            + self.acknowledge.version().get()
            + self.merge.version().get()
            + self.split.version().get()
            + self.unlink.version().get()
            + self.undo.version().get()
    }
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0));
    let actions = IncidentActions::new();
    let (refresh, bump) = signal(0u32);
    // Subscribed once for the id the page opened with; a new id remounts the route.
    refresh_on_incident_changes(bump, Some(id()));
    let detail = Resource::new(move || (id(), refresh.get(), actions.versions()), |(id, _, _)| get_incident(id));
    let contain = IncidentContain::new(id, move || refresh.get());
    view! {
        <Title text="Incident · Riposte"/>
        <RequirePermission permission=Permission::ViewIncidents>
            <p><a href="/incidents">"← Incidents"</a></p>
            <Outcomes actions/>
            <Transition fallback=|| view! { <p class="loading">"Loading incident…"</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(incident) => view! { <IncidentView incident actions contain/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

/// The result of the last submission of each form (conflicts included), above the page.
#[component]
fn Outcomes(actions: IncidentActions) -> impl IntoView {
    view! {
        <div data-testid="outcomes">
            <ActionOutcome result=actions.update.value().into() success_text="Saved."/>
            <ActionOutcome result=actions.comment.value().into() success_text="Comment added."/>
            <ActionOutcome result=actions.add_task.value().into() success_text="Task added."/>
            <ActionOutcome result=actions.set_task.value().into() success_text="Task updated."/>
            <ActionOutcome result=actions.hand_off.value().into() success_text="Handed off."/>
            <ActionOutcome result=actions.acknowledge.value().into() success_text="Hand-off acknowledged; the incident is yours."/>
            <ActionOutcome result=actions.merge.value().into() success_text="Merged."/>
            <ActionOutcome result=actions.split.value().into() success_text="Split off into a new incident."/>
            <ActionOutcome result=actions.unlink.value().into() success_text="Alert unlinked."/>
            <ActionOutcome result=actions.undo.value().into() success_text="Undone."/>
        </div>
    }
}

#[component]
fn IncidentView(incident: IncidentDetail, actions: IncidentActions, contain: IncidentContain) -> impl IntoView {
    let s = incident.summary.clone();
    let id = s.id;
    view! {
        <h1>
            <span class=format!("sev sev-{}", s.severity.as_str())>{s.severity.as_str()}</span>" "
            <span data-testid="incident-title">{format!("#{id} ")}{s.title.clone()}</span>
        </h1>
        {incident.merged_into.map(|into| view! {
            <p class="notice" data-testid="merged-into">"Merged into " <a href=format!("/incidents/{into}")>{format!("incident #{into}")}</a></p>
        })}
        <dl class="facts" data-testid="incident-facts">
            <dt>"Status"</dt><dd data-testid="incident-status">{s.status.as_str()}{s.classification.map(|c| format!(" ({})", c.label()))}</dd>
            <dt>"Priority"</dt><dd>{s.priority.label()}</dd>
            <dt>"SLA"</dt><dd data-testid="incident-sla">{sla_badge(s.sla.clone())}</dd>
            <dt>"With"</dt><dd data-testid="incident-tier">{s.tier.label()}</dd>
            <dt>"Owner"</dt><dd data-testid="incident-owner">{s.owner.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Alerts"</dt><dd class="mono">{format!("{} rows, {} alerts", s.alert_count, s.event_count)}</dd>
            <dt>"Seen"</dt><dd class="mono">{format!("{} – {}", short_time(&s.first_seen), short_time(&s.last_seen))}</dd>
            <dt>"TLP"</dt><dd class="mono">{format!("TLP:{}", incident.tlp.as_str().to_uppercase())}</dd>
            <dt>"ATT&CK"</dt><dd class="mono">{if incident.attack_techniques.is_empty() { "—".into() } else { incident.attack_techniques.join(", ") }}</dd>
            <dt>"Tags"</dt><dd>{if s.tags.is_empty() { "—".into() } else { s.tags.join(", ") }}</dd>
        </dl>
        <section class="panel" aria-label="Summary">
            <h2>"What happened"</h2>
            <div data-testid="narrative">{incident.narrative.into_iter().map(|line| view! { <p>{line}</p> }).collect_view()}</div>
        </section>
        <WhyTraces escalations=incident.escalations/>
        <ContainPanel incident_id=id contain/>
        <EditPanel summary=s.clone() version=incident.version tlp=incident.tlp actions/>
        <Handoffs id version=incident.version tier=s.tier handoffs=incident.handoffs actions/>
        <TimelineView timeline=incident.timeline/>
        <EntityPanel entities=incident.entities/>
        <LinkedAlerts id alerts=incident.alerts total=incident.alerts_total actions/>
        <Tasks id tasks=incident.tasks actions/>
        <Comments id comments=incident.comments actions/>
        <MergeSplit id actions/>
        <EventLog events=incident.events actions/>
    }
}
