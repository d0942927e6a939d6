//! Correlation settings: the rules in the order they are tried (each editable: name, window,
//! the entities to join on, on/off), the exclusion list and the frequency cap.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::Permission;
use riposte_domain::correlation::{CorrelationSettings, format_join};

use crate::api::correlation_admin_api::{
    AddCorrelationExclusion, RemoveCorrelationExclusion, RemoveCorrelationRule, SetCorrelationFrequencyCap,
    SetCorrelationRule, get_correlation_settings,
};
use crate::components::admin_tabs::AdminTabs;
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;

#[derive(Clone, Copy)]
struct Actions {
    set_rule: ServerAction<SetCorrelationRule>,
    remove_rule: ServerAction<RemoveCorrelationRule>,
    add_exclusion: ServerAction<AddCorrelationExclusion>,
    remove_exclusion: ServerAction<RemoveCorrelationExclusion>,
    set_cap: ServerAction<SetCorrelationFrequencyCap>,
}

#[component]
pub fn CorrelationAdminPage() -> impl IntoView {
    let a = Actions {
        set_rule: ServerAction::new(),
        remove_rule: ServerAction::new(),
        add_exclusion: ServerAction::new(),
        remove_exclusion: ServerAction::new(),
        set_cap: ServerAction::new(),
    };
    let settings = Resource::new(
        move || {
            a.set_rule.version().get()
                + a.remove_rule.version().get()
                + a.add_exclusion.version().get()
                + a.remove_exclusion.version().get()
                + a.set_cap.version().get()
        },
        |_| get_correlation_settings(),
    );
    view! {
        <Title text="Correlation · Riposte"/>
        <RequirePermission permission=Permission::ManageSettings>
            <AdminTabs/>
            <h1>"Correlation"</h1>
            <p class="hint">"A new alert joins the open incident it shares entities with under the first rule that matches within that rule's window; otherwise it opens one. Joins are written like "
                <code>"ip:source + ip:destination"</code>" or "<code>"host"</code>"."</p>
            <ActionOutcome result=a.set_rule.value().into() success_text="Rule saved."/>
            <ActionOutcome result=a.remove_rule.value().into() success_text="Rule removed."/>
            <ActionOutcome result=a.add_exclusion.value().into() success_text="Exclusion added."/>
            <ActionOutcome result=a.remove_exclusion.value().into() success_text="Exclusion removed."/>
            <ActionOutcome result=a.set_cap.value().into() success_text="Frequency cap saved."/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || settings.get().map(|result| match result {
                    Ok(s) => view! { <Settings s a/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn Settings(s: CorrelationSettings, a: Actions) -> impl IntoView {
    view! {
        <section class="panel" data-testid="correlation-rules">
            <h2>"Rules"</h2>
            {s.rules.into_iter().enumerate().map(|(i, rule)| {
                let (form_label, remove_label) = (format!("Rule {}", rule.id), format!("Remove rule {}", rule.id));
                let (form_id, shown_id, remove_id) = (rule.id.clone(), rule.id.clone(), rule.id.clone());
                view! {
                <ActionForm action=a.set_rule attr:class="row-form" attr:aria-label=form_label>
                    <input type="hidden" name="id" value=form_id/>
                    <label>"#" <input name="position" value=i + 1 size="2" inputmode="numeric"/></label>
                    <span class="mono">{shown_id}</span>
                    <label>"Name" <input name="name" value=rule.name/></label>
                    <label>"Join on" <input name="join_on" value=format_join(&rule.join_on)/></label>
                    <label>"Window (s)" <input name="window_secs" value=rule.window_secs inputmode="numeric"/></label>
                    <label><input type="checkbox" name="enabled" value="on" checked=rule.enabled/>" on"</label>
                    <button type="submit">"Save"</button>
                </ActionForm>
                <ActionForm action=a.remove_rule attr:class="inline-form" attr:aria-label=remove_label>
                    <input type="hidden" name="id" value=remove_id/>
                    <button type="submit">"Remove"</button>
                </ActionForm>
            }}).collect_view()}
            <h3>"Add a rule"</h3>
            <ActionForm action=a.set_rule attr:class="row-form" attr:aria-label="Add rule">
                <label>"Id" <input name="id" placeholder="same-domain" required/></label>
                <label>"Name" <input name="name" required/></label>
                <label>"Join on" <input name="join_on" placeholder="domain" required/></label>
                <label>"Window (s)" <input name="window_secs" value="3600" inputmode="numeric"/></label>
                <label><input type="checkbox" name="enabled" value="on" checked/>" on"</label>
                <button type="submit">"Add"</button>
            </ActionForm>
        </section>
        <section class="panel" data-testid="correlation-exclusions">
            <h2>"Never join on"</h2>
            <ul>
                {s.exclusions.into_iter().map(|e| view! {
                    <li>
                        <span class="mono">{format!("{} {}", e.kind, e.value)}</span>
                        <span class="hint">{format!(" {} (by {})", e.note, e.created_by)}</span>
                        <ActionForm action=a.remove_exclusion attr:class="inline-form">
                            <input type="hidden" name="id" value=e.id/>
                            <button type="submit">"Remove"</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <ActionForm action=a.add_exclusion attr:class="row-form" attr:aria-label="Add exclusion">
                <label>"Kind" <input name="kind" placeholder="network, ip, host, user…" required/></label>
                <label>"Value" <input name="value" placeholder="10.0.53.0/24" required/></label>
                <label>"Note" <input name="note" placeholder="internal resolvers"/></label>
                <button type="submit">"Exclude"</button>
            </ActionForm>
            <ActionForm action=a.set_cap attr:class="row-form" attr:aria-label="Frequency cap">
                <label>"Not joined on when seen in more than this many alerts an hour"
                    <input name="max_frequency" value=s.max_frequency inputmode="numeric"/></label>
                <button type="submit">"Save"</button>
            </ActionForm>
        </section>
    }
}
