//! The SLA targets per priority, on the escalation page: how long an incident of each
//! priority may wait to be acknowledged and to be contained.

use leptos::prelude::*;
use riposte_domain::incident::sla::SlaTarget;

use crate::AppError;
use crate::api::sla_api::SaveSlaTarget;
use crate::components::error_notice::ActionOutcome;

pub type TargetList = Result<Vec<SlaTarget>, AppError>;

#[component]
pub fn SlaTargetsPanel(targets: Resource<TargetList>, save: ServerAction<SaveSlaTarget>) -> impl IntoView {
    view! {
        <section class="panel" aria-label="SLA targets">
            <h2>"SLA targets"</h2>
            <p class="hint">"Minutes from an incident's opening. The clocks pause while the incident waits on an external party; a breach is written once to the incident's log."</p>
            <ActionOutcome result=save.value().into() success_text="Saved: open incidents' clocks follow at once."/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || targets.get().map(|result| match result {
                    Ok(list) => view! {
                        <div data-testid="sla-targets">
                            {list.into_iter().map(|t| {
                                let label = t.priority.label();
                                let (form_label, button) = (format!("{label} targets"), format!("Save {label}"));
                                view! {
                                    <ActionForm action=save attr:class="row-form" attr:aria-label=form_label>
                                        <input type="hidden" name="priority" value=t.priority.level()/>
                                        <strong>{label}</strong>
                                        <label>"Acknowledge within (min) "
                                            <input type="number" name="ack_minutes" min="1" required value=t.ack_minutes/>
                                        </label>
                                        <label>"Contain within (min) "
                                            <input type="number" name="contain_minutes" min="1" required value=t.contain_minutes/>
                                        </label>
                                        <button type="submit">{button}</button>
                                    </ActionForm>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
