//! The containment actions table (the Containment page and an incident's Contain panel) with
//! the buttons each state allows: approve or reject a waiting action, undo one that may be in
//! force, mark a policy's action reviewed. Targets and reasons are shown as text.

use leptos::prelude::*;
use riposte_domain::containment::view::ActionView;

use crate::api::containment_api::{ApproveContainment, RejectContainment, ReviewContainment, UndoContainment};
use crate::components::error_notice::ActionOutcome;
use crate::pages::queue_page::short_time;

/// The decisions a person can take on an action; each refetches the list when done.
#[derive(Clone, Copy)]
pub struct Decisions {
    pub approve: ServerAction<ApproveContainment>,
    pub reject: ServerAction<RejectContainment>,
    pub undo: ServerAction<UndoContainment>,
    pub review: ServerAction<ReviewContainment>,
}

impl Default for Decisions {
    fn default() -> Decisions {
        Decisions::new()
    }
}

impl Decisions {
    pub fn new() -> Decisions {
        Decisions {
            approve: ServerAction::new(),
            reject: ServerAction::new(),
            undo: ServerAction::new(),
            review: ServerAction::new(),
        }
    }

    pub fn versions(&self) -> usize {
        self.approve.version().get()
            + self.reject.version().get()
            + self.undo.version().get()
            + self.review.version().get()
    }
}

#[component]
pub fn DecisionOutcomes(decisions: Decisions) -> impl IntoView {
    view! {
        <ActionOutcome result=decisions.approve.value().into() success_text="Approved: the action runs now."/>
        <ActionOutcome result=decisions.reject.value().into() success_text="Rejected."/>
        <ActionOutcome result=decisions.undo.value().into() success_text="Undo under way: the change is being taken back."/>
        <ActionOutcome result=decisions.review.value().into() success_text="Reviewed: the action stands."/>
    }
}

const TERMINAL: [&str; 4] = ["undone", "expired", "rejected", "failed"];

#[component]
pub fn ActionsTable(actions: Vec<ActionView>, decisions: Decisions) -> impl IntoView {
    view! {
        <table class="list" data-testid="containment-actions">
            <thead><tr>
                <th>"#"</th><th>"Action"</th><th>"Connector"</th><th>"State"</th><th>"Asked by"</th>
                <th>"Approved by"</th><th>"Until"</th><th>"Why"</th><th></th>
            </tr></thead>
            <tbody>
                {actions.into_iter().map(|a| view! { <ActionRow action=a decisions/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ActionRow(action: ActionView, decisions: Decisions) -> impl IntoView {
    let id = action.action_id;
    let what = match &action.direction {
        Some(direction) => format!("{} {} ({direction})", action.kind, action.target),
        None => format!("{} {}", action.kind, action.target),
    };
    let waiting = action.state == "awaiting_approval";
    let open = !TERMINAL.contains(&action.state.as_str());
    let state = if action.needs_review { format!("{}, awaiting review", action.state) } else { action.state.clone() };
    view! {
        <tr data-testid="containment-action" data-state=action.state.clone()>
            <td class="mono">{id}</td>
            <td class="mono" data-testid="action-what">{what}</td>
            <td>{action.connector.clone()}</td>
            <td data-testid="action-state">{state}
                {action.last_error.clone().map(|e| view! { <div class="hint">{e}</div> })}
            </td>
            <td>{action.requested_by.clone()}</td>
            <td>{action.approved_by.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="mono">{action.expires_at.as_deref().map(short_time).unwrap_or_else(|| "—".into())}</td>
            <td>{action.reason.clone()}
                {action.incident_id.map(|i| view! { " " <a href=format!("/incidents/{i}")>{format!("#{i}")}</a> })}
            </td>
            <td class="actions">
                {waiting.then(|| view! {
                    <ActionForm action=decisions.approve attr:class="inline">
                        <input type="hidden" name="action_id" value=id/>
                        <button type="submit" data-testid="approve">"Approve"</button>
                    </ActionForm>
                    <ActionForm action=decisions.reject attr:class="inline">
                        <input type="hidden" name="action_id" value=id/>
                        <input name="reason" placeholder="why not" aria-label="Reason to reject" required/>
                        <button type="submit">"Reject"</button>
                    </ActionForm>
                })}
                {action.needs_review.then(|| view! {
                    <ActionForm action=decisions.review attr:class="inline">
                        <input type="hidden" name="action_id" value=id/>
                        <button type="submit">"Reviewed, keep"</button>
                    </ActionForm>
                })}
                {open.then(|| view! {
                    <ActionForm action=decisions.undo attr:class="inline">
                        <input type="hidden" name="action_id" value=id/>
                        <button type="submit" data-testid="undo">"Undo"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
