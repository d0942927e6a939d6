//! The guard rails panel of the containment set-up page: what may never be blocked without a
//! written override, our own ranges, the breadth limits, and whose approval counts.

use leptos::prelude::*;
use riposte_domain::containment::view::GuardRailsView;

use crate::AppError;
use crate::api::containment_guard_api::{
    ProtectFromContainment, SaveContainmentGuardRails, UnprotectFromContainment, containment_guard_rails,
};
use crate::components::error_notice::ActionOutcome;

/// The panel's actions and data. The page creates them at its top, outside every Suspense,
/// so server and browser create the resource once and alike (hydration).
#[derive(Clone, Copy)]
pub struct GuardRails {
    save: ServerAction<SaveContainmentGuardRails>,
    protect: ServerAction<ProtectFromContainment>,
    unprotect: ServerAction<UnprotectFromContainment>,
    rails: Resource<Result<GuardRailsView, AppError>>,
}

impl GuardRails {
    pub fn load() -> GuardRails {
        let save = ServerAction::<SaveContainmentGuardRails>::new();
        let protect = ServerAction::<ProtectFromContainment>::new();
        let unprotect = ServerAction::<UnprotectFromContainment>::new();
        let rails = Resource::new(
            move || (save.version().get(), protect.version().get(), unprotect.version().get()),
            |_| containment_guard_rails(),
        );
        GuardRails { save, protect, unprotect, rails }
    }
}

#[component]
pub fn GuardRailsPanel(state: GuardRails) -> impl IntoView {
    let GuardRails { save, protect, unprotect, rails } = state;
    view! {
        <section class="panel" aria-label="Guard rails" data-testid="guard-rails">
            <h2>"Guard rails"</h2>
            <ActionOutcome result=save.value().into() success_text="Guard rails saved."/>
            <ActionOutcome result=protect.value().into() success_text="Protected."/>
            <ActionOutcome result=unprotect.value().into() success_text="No longer protected."/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || rails.get().map(|result| match result {
                    Ok(view) => view! { <GuardRailsForms rails=view save protect unprotect/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn GuardRailsForms(
    rails: GuardRailsView,
    save: ServerAction<SaveContainmentGuardRails>,
    protect: ServerAction<ProtectFromContainment>,
    unprotect: ServerAction<UnprotectFromContainment>,
) -> impl IntoView {
    let tagged = if rails.tagged_assets.is_empty() {
        "No inventory asset carries these tags yet.".to_owned()
    } else {
        format!("Protected by their tags now: {}", rails.tagged_assets.join(", "))
    };
    view! {
        <h3>"Protected: never blocked without a written override and a second person"</h3>
        <table class="list" data-testid="protected"><thead><tr><th>"Address or range"</th><th>"What it is"</th><th>"Added by"</th><th></th></tr></thead><tbody>
            {rails.protected.into_iter().map(|p| view! {
                <tr>
                    <td class="mono">{p.net.clone()}</td>
                    <td>{p.why.clone()}</td>
                    <td>{p.added_by.clone().unwrap_or_else(|| "its connector".into())}</td>
                    <td>{p.added_by.is_some().then(|| view! {
                        <ActionForm action=unprotect attr:class="inline">
                            <input type="hidden" name="net" value=p.net.clone()/>
                            <button type="submit">"Remove"</button>
                        </ActionForm>
                    })}</td>
                </tr>
            }).collect_view()}
        </tbody></table>
        <ActionForm action=protect attr:class="row-form">
            <label>"Address or range" <input name="net" placeholder="10.0.0.53" required/></label>
            <label>"What it is" <input name="why" placeholder="DNS resolver" required/></label>
            <button type="submit">"Protect"</button>
        </ActionForm>
        <h3>"Rules"</h3>
        <ActionForm action=save attr:class="stack-form">
            <label>"Inventory tags that mark infrastructure"
                <input name="protected_tags" value=rails.protected_tags.join(", ")/>
            </label>
            <p class="hint" data-testid="tagged-assets">{tagged}</p>
            <label>"Our own ranges (blocking inside them needs Tier 2 or above, never a policy)"
                <input name="internal" value=rails.internal.join(", ")/>
            </label>
            <label>"Broadest IPv4 block without an override (prefix length)"
                <input name="broadest_v4" type="number" required min="0" max="32" value=rails.broadest_v4.to_string()/>
            </label>
            <label>"Broadest IPv6 block without an override (prefix length)"
                <input name="broadest_v6" type="number" required min="0" max="128" value=rails.broadest_v6.to_string()/>
            </label>
            <label>"A second person approves when an asset of this criticality or above is cut off (6: never)"
                <input name="critical_from" type="number" required min="1" max="6" value=rails.critical_from.to_string()/>
            </label>
            <label>"Roles whose approval counts"
                <input name="approver_roles" value=rails.approver_roles.join(", ") placeholder="ir, admin"/>
            </label>
            <button type="submit">"Save guard rails"</button>
        </ActionForm>
    }
}
