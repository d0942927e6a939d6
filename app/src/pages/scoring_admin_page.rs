//! The triage score's weights. Proposed weights are back-tested first (a GET form, so the
//! result is a page of its own and works without JavaScript): how they would have ranked the
//! alerts of recently closed incidents beside the weights in force; then they can be saved.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use riposte_domain::Permission;
use riposte_domain::enrichment::{BacktestResult, Ranking};

use crate::api::scoring_api::{SetScoreWeights, WeightForm, backtest_score_weights, get_score_weights};
use crate::components::admin_tabs::AdminTabs;
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;

const LABELS: [&str; 10] = [
    "Informational severity",
    "Low severity",
    "Medium severity",
    "High severity",
    "Critical severity",
    "Criticality assumed for unknown assets (1–5)",
    "Internal asset (internet-facing is 1)",
    "Unknown exposure",
    "No intelligence match",
    "Precision without history",
];

#[component]
pub fn ScoringAdminPage() -> impl IntoView {
    let query = use_query_map();
    let proposed = move || query.with(|q| WeightForm::from_lookup(|field| q.get(field)));
    let days = move || query.with(|q| q.get("days").and_then(|d| d.trim().parse::<i32>().ok()).unwrap_or(30));
    let save = ServerAction::<SetScoreWeights>::new();
    let current = Resource::new(move || save.version().get(), |_| get_score_weights());
    let tested = Resource::new(
        move || (proposed(), days()),
        |(weights, days)| async move {
            match weights {
                Some(weights) => backtest_score_weights(weights, days).await.map(|r| Some((weights, r))),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Triage score · Riposte"/>
        <RequirePermission permission=Permission::ManageSettings>
            <AdminTabs/>
            <h1>"Triage score"</h1>
            <p class="hint">"score = 100 × severity × criticality ÷ 5 × exposure × intel × precision. An intelligence match scales the intel factor from “no match” up to 1 by its confidence. Each factor is between 0 and 1."</p>
            <ActionOutcome result=save.value().into() success_text="Weights saved: alerts enriched from now on are scored with them."/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || current.get().map(|result| match result {
                    Ok(current) => {
                        let shown = proposed().unwrap_or(current);
                        view! { <WeightsForm shown days=days()/> }.into_any()
                    }
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <Transition fallback=|| view! { <p class="loading">"Back-testing…"</p> }>
                {move || tested.get().map(|result| match result {
                    Ok(Some((weights, result))) => view! {
                        <Backtest result days=days()/>
                        <ActionForm action=save attr:aria-label="Save weights">
                            {weights.fields().map(|(field, value)| view! {
                                <input type="hidden" name=format!("weights[{field}]") value=value/>
                            }).collect_view()}
                            <button type="submit">"Save these weights"</button>
                        </ActionForm>
                    }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn WeightsForm(shown: WeightForm, days: i32) -> impl IntoView {
    view! {
        <form method="get" action="/admin/scoring" class="card" aria-label="Weights">
            {shown.fields().into_iter().zip(LABELS).map(|((field, value), label)| {
                let step = if field == "unknown_criticality" { "1" } else { "0.01" };
                let max = if field == "unknown_criticality" { "5" } else { "1" };
                view! {
                    <label>{label} " "
                        <input type="number" name=field value=value step=step min="0" max=max required/>
                    </label>
                }
            }).collect_view()}
            <label>"Closed incidents of the last (days) "
                <input type="number" name="days" value=days.to_string() min="1" max="365" required/>
            </label>
            <button type="submit">"Back-test"</button>
        </form>
    }
}

#[component]
fn Backtest(result: BacktestResult, days: i32) -> impl IntoView {
    if result.samples == 0 {
        return view! {
            <p class="muted" data-testid="backtest">"No enriched alert of an incident closed in the last " {days} " days to test on."</p>
        }
        .into_any();
    }
    let row = |label: &str, pick: fn(&Ranking) -> String| {
        view! { <tr><th>{label.to_owned()}</th><td>{pick(&result.current)}</td><td>{pick(&result.proposed)}</td></tr> }
    };
    view! {
        <section data-testid="backtest">
            <h2>"Back-test"</h2>
            <p>{result.samples} " alerts of incidents closed in the last " {days} " days, "
               {result.true_positives} " of them true positives; top tenth = the " {result.top} " highest scores."</p>
            <table class="grid">
                <thead><tr><th></th><th>"Weights in force"</th><th>"Proposed"</th></tr></thead>
                <tbody>
                    {row("Mean score, true positives", |r| format!("{:.1}", r.mean_true))}
                    {row("Mean score, false positives, benign and duplicates", |r| format!("{:.1}", r.mean_other))}
                    {row("True positives in the top tenth", |r| r.true_in_top.to_string())}
                    {row("Alerts calling for P1 / P2 / P3 / P4", |r| {
                        let [p1, p2, p3, p4] = r.by_priority;
                        format!("{p1} / {p2} / {p3} / {p4}")
                    })}
                </tbody>
            </table>
            {(!result.movers.is_empty()).then(|| view! {
                <h3>"Largest moves"</h3>
                <table class="grid" data-testid="backtest-movers">
                    <thead><tr><th>"Alert"</th><th>"Closed as"</th><th>"Score"</th><th>"Rank"</th></tr></thead>
                    <tbody>
                        {result.movers.iter().map(|m| view! {
                            <tr>
                                <td><a href=format!("/alerts/{}", m.alert_id)>{m.title.clone()}</a></td>
                                <td>{m.classification.label()}</td>
                                <td>{m.score_before} " → " {m.score_after}</td>
                                <td>{m.rank_before} " → " {m.rank_after}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
    .into_any()
}
