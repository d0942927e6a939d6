//! The Containment section: the NOC's notices (acknowledge, or object that a service is
//! hurt) and every action with the decisions it awaits, refreshed live.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::Permission;
use riposte_domain::containment::view::NoticeView;

use crate::api::containment_api::{
    AcknowledgeContainmentNotice, ObjectContainmentNotice, containment_actions, noc_notices,
};
use crate::components::error_notice::ActionOutcome;
use crate::components::list_outcome::list_or_empty;
use crate::components::live_refresh::refresh_on_containment;
use crate::components::require_permission::RequirePermission;
use crate::pages::containment_actions::{ActionsTable, DecisionOutcomes, Decisions};
use crate::pages::queue_page::short_time;

#[component]
pub fn ContainmentPage() -> impl IntoView {
    let decisions = Decisions::new();
    let acknowledge = ServerAction::<AcknowledgeContainmentNotice>::new();
    let object = ServerAction::<ObjectContainmentNotice>::new();
    let (refresh, bump) = signal(0u32);
    refresh_on_containment(bump);
    let actions = Resource::new(move || (refresh.get(), decisions.versions()), |_| containment_actions(None));
    let notices =
        Resource::new(move || (refresh.get(), acknowledge.version().get(), object.version().get()), |_| noc_notices());
    view! {
        <Title text="Containment · Riposte"/>
        <RequirePermission permission=Permission::ViewContainment>
            <h1>"Containment"</h1>
            <section class="panel" aria-label="NOC notices" data-testid="noc-notices">
                <h2>"Network changes (NOC)"</h2>
                <ActionOutcome result=acknowledge.value().into() success_text="Acknowledged."/>
                <ActionOutcome result=object.value().into() success_text="Objection sent to the requester."/>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || notices.get().map(|result| list_or_empty(result, "No network changes yet.", |list| view! {
                        <ul class="notices">
                            {list.into_iter().map(|n| view! { <NoticeItem notice=n acknowledge object/> }).collect_view()}
                        </ul>
                    }))}
                </Transition>
            </section>
            <section class="panel" aria-label="Actions">
                <h2>"Actions"</h2>
                <DecisionOutcomes decisions/>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || actions.get().map(|result| list_or_empty(result, "Nothing has been contained yet.", |list| view! {
                        <ActionsTable actions=list decisions/>
                    }))}
                </Transition>
            </section>
        </RequirePermission>
    }
}

#[component]
fn NoticeItem(
    notice: NoticeView,
    acknowledge: ServerAction<AcknowledgeContainmentNotice>,
    object: ServerAction<ObjectContainmentNotice>,
) -> impl IntoView {
    let id = notice.notice_id;
    let open = notice.acknowledged_at.is_none();
    view! {
        <li data-testid="noc-notice" data-open=open.to_string()>
            <span class="mono">{short_time(&notice.created_at)}</span>" "
            <strong>{notice.event.clone()}</strong>": "
            <span data-testid="notice-change">{notice.change.clone()}</span>
            {notice.incident_id.map(|i| view! { " " <a href=format!("/incidents/{i}")>{format!("#{i}")}</a> })}
            {notice.acknowledged_by.clone().map(|by| view! { <span class="hint">{format!(" — seen by {by}")}</span> })}
            {notice.objection.clone().map(|o| view! { <div class="error">{format!("Objection by {}: ", notice.objected_by.clone().unwrap_or_default())}{o}</div> })}
            {open.then(|| view! {
                <div class="row-form">
                    <ActionForm action=acknowledge attr:class="inline">
                        <input type="hidden" name="notice_id" value=id/>
                        <button type="submit" data-testid="acknowledge-notice">"Acknowledge"</button>
                    </ActionForm>
                    <ActionForm action=object attr:class="inline">
                        <input type="hidden" name="notice_id" value=id/>
                        <input name="objection" placeholder="what it breaks" aria-label="Service impact" required/>
                        <button type="submit">"Object"</button>
                    </ActionForm>
                </div>
            })}
        </li>
    }
}
