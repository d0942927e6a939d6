//! The escalation matrix as administrators keep it: the rules in force in words, the text
//! form to edit and review (checked before saving; every save a new version with who and
//! why), the version history, and the notification channels rules page through.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::Permission;
use riposte_domain::escalation::{FIELDS, RuleSetVersion, RuleSummary};
use riposte_domain::notification::{ChannelKind, ChannelView, NotificationView};

use crate::api::escalation_api::{
    DeleteNotificationChannel, PutNotificationChannel, SaveEscalationRules, TestNotificationChannel,
    check_escalation_rules, escalation_rules, notification_channels,
};
use crate::api::sla_api::{SaveSlaTarget, sla_targets};
use crate::components::admin_tabs::AdminTabs;
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;
use crate::pages::queue_page::short_time;
use crate::pages::sla_targets_panel::SlaTargetsPanel;

#[component]
pub fn EscalationAdminPage() -> impl IntoView {
    let save = ServerAction::<SaveEscalationRules>::new();
    let channel_actions =
        ChannelActions { put: ServerAction::new(), delete: ServerAction::new(), test: ServerAction::new() };
    // Every resource is made here, in a fixed order, so the browser finds each one's
    // server-rendered value when it hydrates.
    let history = Resource::new(move || save.version().get(), |_| escalation_rules());
    let ChannelActions { put, delete, test } = channel_actions;
    let listed = Resource::new(
        move || (put.version().get(), delete.version().get(), test.version().get()),
        |_| notification_channels(),
    );
    let save_target = ServerAction::<SaveSlaTarget>::new();
    let targets = Resource::new(move || save_target.version().get(), |_| sla_targets());
    view! {
        <Title text="Escalation rules · Riposte"/>
        <RequirePermission permission=Permission::ManageSettings>
            <AdminTabs/>
            <h1>"Escalation rules"</h1>
            <ActionOutcome result=save.value().into() success_text="Saved: the pipeline applies this version from its next batch."/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || history.get().map(|result| match result {
                    Ok(versions) => view! { <RuleSets versions save/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <Channels actions=channel_actions listed/>
            <SlaTargetsPanel targets save=save_target/>
        </RequirePermission>
    }
}

#[component]
fn RuleSets(versions: Vec<RuleSetVersion>, save: ServerAction<SaveEscalationRules>) -> impl IntoView {
    let current = versions.first().cloned();
    let base = current.as_ref().map(|v| v.version);
    let draft = RwSignal::new(current.as_ref().map(|v| v.text.clone()).unwrap_or_default());
    let check = Action::new(|text: &String| check_escalation_rules(text.clone()));
    view! {
        {current.map(|v| view! {
            <section class="panel" aria-label="Rules in force">
                <h2>{format!("In force: version {}", v.version)}</h2>
                <p class="muted">{format!("Saved by {} on {}", v.saved_by, short_time(&v.saved_at))}{(!v.comment.is_empty()).then(|| format!(": {}", v.comment))}</p>
                <RuleTable rules=v.rules/>
            </section>
        })}
        <section class="panel" aria-label="Edit the rules">
            <h2>"Edit"</h2>
            <p class="hint">"One [[rule]] per rule: `when` for one event, or `by`, `within` and [[rule.step]] tables for a sequence; `then` names the outcomes. Fields: " {FIELDS} "."</p>
            <ActionForm action=save attr:aria-label="Save the rules">
                {base.map(|b| view! { <input type="hidden" name="base" value=b/> })}
                <textarea name="text" rows="28" class="mono code-editor" spellcheck="false" aria-label="Rules (TOML)"
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))>
                    {draft.get_untracked()}
                </textarea>
                <label>"Why this change " <input type="text" name="comment" maxlength="500" required/></label>
                <button type="button" on:click=move |_| { check.dispatch(draft.get()); }>"Check"</button>
                " "
                <button type="submit">"Save as a new version"</button>
            </ActionForm>
            {move || check.value().get().map(|result| match result {
                Ok(rules) => view! {
                    <p class="ok" role="status">{format!("The draft is valid: {} rule(s).", rules.len())}</p>
                    <RuleTable rules/>
                }.into_any(),
                Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
            })}
        </section>
        <section class="panel" aria-label="Version history">
            <h2>"History"</h2>
            {versions.into_iter().map(|v| view! {
                <details data-testid="rule-version">
                    <summary>{format!("Version {} · {} · {} · {} rule(s)", v.version, v.saved_by, short_time(&v.saved_at), v.rules.len())}{(!v.comment.is_empty()).then(|| format!(" · {}", v.comment))}</summary>
                    <pre class="mono">{v.text}</pre>
                </details>
            }).collect_view()}
        </section>
    }
}

#[component]
fn RuleTable(rules: Vec<RuleSummary>) -> impl IntoView {
    view! {
        <table class="grid" data-testid="escalation-rules">
            <thead><tr><th>"Rule"</th><th>"On"</th><th>"When"</th><th>"Then"</th></tr></thead>
            <tbody>
                {rules.into_iter().map(|r| view! {
                    <tr>
                        <td>{r.name}</td>
                        <td>{if r.enabled { "yes" } else { "no" }}</td>
                        <td class="mono">{r.trigger}</td>
                        <td>{r.outcomes}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[derive(Clone, Copy)]
struct ChannelActions {
    put: ServerAction<PutNotificationChannel>,
    delete: ServerAction<DeleteNotificationChannel>,
    test: ServerAction<TestNotificationChannel>,
}

type ChannelList = Result<(Vec<ChannelView>, Vec<NotificationView>), crate::AppError>;

#[component]
fn Channels(actions: ChannelActions, listed: Resource<ChannelList>) -> impl IntoView {
    let ChannelActions { put, delete, test } = actions;
    view! {
        <section class="panel" aria-label="Notification channels">
            <h2>"Notification channels"</h2>
            <p class="hint">"Rules page on-call through these (then.page = [\"name\"]). The address is kept in full but shown without its path, which often holds the webhook's secret."</p>
            <ActionOutcome result=put.value().into() success_text="Channel saved."/>
            <ActionOutcome result=delete.value().into() success_text="Channel removed."/>
            <ActionOutcome result=test.value().into() success_text="Test message queued; it appears below once sent."/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || listed.get().map(|result| match result {
                    Ok((channels, recent)) => view! {
                        <table class="grid" data-testid="channels">
                            <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Address"</th><th>"Added by"</th><th></th></tr></thead>
                            <tbody>
                                {channels.into_iter().map(|c| {
                                    let test_name = c.name.clone();
                                    let delete_name = c.name.clone();
                                    view! {
                                        <tr>
                                            <td class="mono">{c.name}</td>
                                            <td>{c.kind.as_str()}</td>
                                            <td class="mono">{c.url}</td>
                                            <td>{c.created_by}</td>
                                            <td>
                                                <ActionForm action=test attr:class="inline">
                                                    <input type="hidden" name="name" value=test_name/>
                                                    <button type="submit">"Send a test"</button>
                                                </ActionForm>
                                                <ActionForm action=delete attr:class="inline">
                                                    <input type="hidden" name="name" value=delete_name/>
                                                    <button type="submit" class="danger">"Remove"</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <h3>"Recent messages"</h3>
                        <table class="grid" data-testid="notifications">
                            <thead><tr><th>"Queued"</th><th>"Channel"</th><th>"Subject"</th><th>"Status"</th><th>"Attempts"</th><th>"Last error"</th></tr></thead>
                            <tbody>
                                {recent.into_iter().map(|n| view! {
                                    <tr>
                                        <td class="mono">{short_time(&n.created_at)}</td>
                                        <td class="mono">{n.channel}</td>
                                        <td>{n.subject}</td>
                                        <td>{n.status}</td>
                                        <td>{n.attempts}</td>
                                        <td>{n.last_error.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <ActionForm action=put attr:aria-label="Add a channel">
                <label>"Name " <input type="text" name="name" required pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}"/></label>
                <label>"Kind "
                    <select name="kind">
                        {ChannelKind::ALL.map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Webhook address " <input type="url" name="url" required/></label>
                <button type="submit">"Save channel"</button>
            </ActionForm>
        </section>
    }
}
