//! The incident page's working parts: record edits (each naming the version it was made
//! against), hand-offs, tasks, comments, merge and split.

use leptos::prelude::*;
use riposte_domain::incident::{
    Classification, CommentView, HandoffView, IncidentStatus, IncidentSummary, TaskView, Tier, Tlp,
};

use crate::components::markdown_view::MarkdownView;
use crate::pages::incident_page::IncidentActions;
use crate::pages::queue_page::short_time;

/// The hidden fields every record edit carries.
fn edit_fields(id: i64, version: i32, field: &'static str) -> impl IntoView {
    view! {
        <input type="hidden" name="id" value=id/>
        <input type="hidden" name="version" value=version/>
        <input type="hidden" name="field" value=field/>
    }
}

#[component]
pub fn EditPanel(summary: IncidentSummary, version: i32, tlp: Tlp, actions: IncidentActions) -> impl IntoView {
    let id = summary.id;
    view! {
        <section class="panel" aria-label="Change the incident" data-testid="edit-panel">
            <h2>"Work on it"</h2>
            <ActionForm action=actions.update attr:class="row-form" attr:aria-label="Change status">
                {edit_fields(id, version, "status")}
                <label>"Status"
                    <select name="value">
                        {IncidentStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=s == summary.status>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Classification (to close)"
                    <select name="classification">
                        <option value="">"—"</option>
                        {Classification::ALL.into_iter().map(|c| view! {
                            <option value=c.as_str() selected=Some(c) == summary.classification>{c.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Reason" <input name="reason"/></label>
                <button type="submit">"Set status"</button>
            </ActionForm>
            <ActionForm action=actions.update attr:class="row-form" attr:aria-label="Change owner">
                {edit_fields(id, version, "owner")}
                <label>"Owner" <input name="value" value=summary.owner.clone().unwrap_or_default() placeholder="username"/></label>
                <button type="submit">"Set owner"</button>
            </ActionForm>
            <ActionForm action=actions.update attr:class="row-form" attr:aria-label="Change priority">
                {edit_fields(id, version, "priority")}
                <label>"Priority"
                    <select name="value">
                        {(1..=4).map(|p| view! {
                            <option value=format!("P{p}") selected=summary.priority.level() == p>{format!("P{p}")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Set priority"</button>
            </ActionForm>
            <ActionForm action=actions.update attr:class="row-form" attr:aria-label="Change tags">
                {edit_fields(id, version, "tags")}
                <label>"Tags" <input name="value" value=summary.tags.join(", ") placeholder="comma, separated"/></label>
                <button type="submit">"Set tags"</button>
            </ActionForm>
            <ActionForm action=actions.update attr:class="row-form" attr:aria-label="Change TLP">
                {edit_fields(id, version, "tlp")}
                <label>"TLP"
                    <select name="value">
                        {Tlp::ALL.into_iter().map(|t| view! {
                            <option value=t.as_str() selected=t == tlp>{t.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Set TLP"</button>
            </ActionForm>
            <ActionForm action=actions.update attr:class="row-form" attr:aria-label="SLA clocks">
                {edit_fields(id, version, "waiting_on")}
                {match summary.waiting_on.clone() {
                    Some(party) => view! {
                        <input type="hidden" name="value" value=""/>
                        <span data-testid="waiting-on">{format!("SLA clocks paused: waiting on {party}")}</span>
                        <label>"Reason" <input name="reason"/></label>
                        <button type="submit">"Resume clocks"</button>
                    }.into_any(),
                    None => view! {
                        <label>"Waiting on (pauses the SLA clocks)" <input name="value" placeholder="ISP, vendor, asset owner…"/></label>
                        <label>"Reason" <input name="reason"/></label>
                        <button type="submit">"Pause clocks"</button>
                    }.into_any(),
                }}
            </ActionForm>
        </section>
    }
}

#[component]
pub fn Handoffs(
    id: i64,
    version: i32,
    tier: Tier,
    handoffs: Vec<HandoffView>,
    actions: IncidentActions,
) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Hand-offs" data-testid="handoffs">
            <h2>"Hand-offs"</h2>
            {handoffs.into_iter().rev().map(|h| view! {
                <article class="handoff" data-handoff-id=h.id>
                    <h3>{format!("{} → {}", h.from.label(), h.to.label())}
                        <span class="hint">{format!(" by {} at {}", h.sent_by, short_time(&h.sent_at))}</span></h3>
                    <dl class="facts">
                        {h.packet.parts().into_iter().filter(|(_, text)| !text.trim().is_empty()).map(|(name, text)| view! {
                            <dt>{name}</dt><dd class="prewrap">{text.to_owned()}</dd>
                        }).collect_view()}
                    </dl>
                    {match (h.acknowledged_by, h.acknowledged_at) {
                        (Some(by), Some(at)) => view! {
                            <p class="ok" data-testid="handoff-acknowledged">
                                {format!("Acknowledged by {by} at {} ({} s after sending)", short_time(&at), h.ack_seconds.unwrap_or(0))}
                            </p>
                        }.into_any(),
                        _ => view! {
                            <ActionForm action=actions.acknowledge attr:class="inline-form" attr:aria-label="Acknowledge hand-off">
                                <input type="hidden" name="handoff_id" value=h.id/>
                                <button type="submit" class="primary">"Acknowledge"</button>
                            </ActionForm>
                        }.into_any(),
                    }}
                </article>
            }).collect_view()}
            <details>
                <summary>"Hand off to another tier"</summary>
                <ActionForm action=actions.hand_off attr:class="stack-form" attr:aria-label="Hand off">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="version" value=version/>
                    <label>"To"
                        <select name="to">
                            {Tier::ALL.into_iter().filter(|t| *t != tier).map(|t| view! {
                                <option value=t.as_str()>{t.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"What was done and found" <textarea name="packet[summary]" required></textarea></label>
                    <label>"What is pending" <textarea name="packet[pending]"></textarea></label>
                    <label>"Hypotheses" <textarea name="packet[hypotheses]"></textarea></label>
                    <label>"Next actions" <textarea name="packet[next_actions]" required></textarea></label>
                    <label>"Risks" <textarea name="packet[risks]"></textarea></label>
                    <button type="submit" class="primary">"Hand off"</button>
                </ActionForm>
            </details>
        </section>
    }
}

#[component]
pub fn Tasks(id: i64, tasks: Vec<TaskView>, actions: IncidentActions) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Tasks" data-testid="tasks">
            <h2>"Tasks"</h2>
            <ul class="tasks">
                {tasks.into_iter().map(|t| view! {
                    <li class:done=t.done>
                        <ActionForm action=actions.set_task attr:class="inline-form" attr:aria-label="Toggle task">
                            <input type="hidden" name="task_id" value=t.id/>
                            <input type="hidden" name="done" value=(!t.done).to_string()/>
                            <button type="submit">{if t.done { "Reopen" } else { "Done" }}</button>
                        </ActionForm>
                        " " <span>{t.title}</span>
                        <span class="hint">{format!(" — {}", t.owner.unwrap_or_else(|| "unassigned".into()))}</span>
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=actions.add_task attr:class="row-form" attr:aria-label="Add task">
                <input type="hidden" name="id" value=id/>
                <label>"Task" <input name="title" required/></label>
                <label>"Owner" <input name="owner" placeholder="username"/></label>
                <button type="submit">"Add task"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn Comments(id: i64, comments: Vec<CommentView>, actions: IncidentActions) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Comments" data-testid="comments">
            <h2>"Comments"</h2>
            {comments.into_iter().map(|c| view! {
                <article class="comment">
                    <p class="hint"><strong>{c.author}</strong>{format!(" at {}", short_time(&c.at))}</p>
                    <MarkdownView blocks=c.body/>
                </article>
            }).collect_view()}
            <ActionForm action=actions.comment attr:class="stack-form" attr:aria-label="Add comment">
                <input type="hidden" name="id" value=id/>
                <label>"Comment (Markdown)" <textarea name="body" required></textarea></label>
                <button type="submit">"Comment"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn MergeSplit(id: i64, actions: IncidentActions) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Merge and split">
            <h2>"Merge or split"</h2>
            <ActionForm action=actions.merge attr:class="row-form" attr:aria-label="Merge into another incident">
                <input type="hidden" name="id" value=id/>
                <label>"Merge into incident #" <input name="into" inputmode="numeric" required/></label>
                <label>"Reason" <input name="reason"/></label>
                <button type="submit">"Merge"</button>
            </ActionForm>
            <ActionForm action=actions.split attr:class="row-form" attr:aria-label="Split alerts off">
                <input type="hidden" name="id" value=id/>
                <label>"Alerts to split off" <input name="alert_ids" placeholder="#12, #15" required/></label>
                <label>"New title" <input name="title"/></label>
                <label>"Reason" <input name="reason"/></label>
                <button type="submit">"Split"</button>
            </ActionForm>
        </section>
    }
}
