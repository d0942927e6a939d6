//! Why an incident was escalated: per rule that held, the key that tied its events, every
//! event that met a step with its time, and the outcomes applied. Event labels are built
//! from alert and log content, so they are rendered as text.

use leptos::prelude::*;
use riposte_domain::escalation::{EscalationView, EventRef};

use crate::pages::queue_page::short_time;

#[component]
pub fn WhyTraces(escalations: Vec<EscalationView>) -> impl IntoView {
    if escalations.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="panel" aria-label="Escalations" data-testid="why-trace">
            <h2>"Why it was escalated"</h2>
            {escalations.into_iter().map(|e| {
                let trace = e.trace;
                let key = if trace.key.is_empty() { "one alert".to_owned() } else { trace.key.clone() };
                view! {
                    <article class="why-trace" data-testid="escalation">
                        <p>
                            <strong data-testid="escalation-rule">{trace.rule.clone()}</strong>
                            " · " <span class="mono">{key}</span>
                            " · rule set v" {trace.version}
                            " · " <span class="mono">{e.fired_at}</span>
                            {(e.repeats > 0).then(|| format!(" · held {} more time(s) since", e.repeats))}
                        </p>
                        <p data-testid="escalation-outcomes">{trace.outcomes.describe()}</p>
                        <table class="grid">
                            <thead><tr><th>"Step"</th><th>"When"</th><th>"Event"</th></tr></thead>
                            <tbody>
                                {trace.events.into_iter().zip(e.event_times).map(|(m, at)| {
                                    let link = match m.event {
                                        EventRef::Alert(id) => view! { <a href=format!("/alerts/{id}")>{format!("alert #{id}")}</a> }.into_any(),
                                        EventRef::Context(id) => view! { <span class="muted">{format!("log #{id}")}</span> }.into_any(),
                                    };
                                    view! {
                                        <tr data-testid="trace-event">
                                            <td>{m.step + 1}</td>
                                            <td class="mono">{short_time(&at)}</td>
                                            <td>{m.label}" " {link}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </article>
                }
            }).collect_view()}
        </section>
    }
    .into_any()
}
