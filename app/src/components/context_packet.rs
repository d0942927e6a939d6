//! An alert's context packet and triage score as an analyst reads them: the score with the
//! factors that made it, what matched in the watchlists and the asset inventory, and how each
//! enricher fared. Every value is rendered as text: indicator descriptions and asset fields
//! come from imported files.

use leptos::prelude::*;
use riposte_domain::alert::AlertEnrichment;
use riposte_domain::enrichment::{EnricherOutcome, EnricherRun};

use crate::components::identity_activity::{ActivitySection, IdentitySection};

#[component]
pub fn ContextPacketView(enrichment: Option<AlertEnrichment>) -> impl IntoView {
    let Some(AlertEnrichment { packet, score, enrich_ms }) = enrichment else {
        return view! { <p class="muted">"Not enriched yet: the pipeline takes it within a second or two."</p> }
            .into_any();
    };
    let explanation = score.explain();
    view! {
        <section class="context-packet" data-testid="context-packet">
            <p>
                <strong class="score" data-testid="triage-score">"Score " {score.score}</strong>
                " · enriched " {enrich_ms} " ms after receipt"
            </p>
            <p class="mono" data-testid="score-breakdown">{explanation}</p>
            <h3>"Threat intelligence (" {packet.intel.len()} ")"</h3>
            {if packet.intel.is_empty() {
                view! { <p class="muted">"No live indicator matches."</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-testid="intel-matches">
                        <thead><tr><th>"Entity"</th><th>"Indicator"</th><th>"Source"</th><th>"Confidence"</th><th>"TLP"</th><th>"Note"</th></tr></thead>
                        <tbody>
                            {packet.intel.into_iter().map(|m| view! {
                                <tr>
                                    <td class="mono">{m.entity.value}</td>
                                    <td class="mono">{m.indicator}</td>
                                    <td>{m.source}</td>
                                    <td>{m.confidence}</td>
                                    <td>{m.tlp.as_str().to_uppercase()}</td>
                                    <td>{m.description}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h3>"Assets (" {packet.assets.len()} ")"</h3>
            {if packet.assets.is_empty() {
                view! { <p class="muted">"None of its addresses or hosts is in the inventory."</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-testid="asset-matches">
                        <thead><tr><th>"Entity"</th><th>"Asset"</th><th>"Criticality"</th><th>"Exposure"</th><th>"Owner"</th><th>"Service"</th><th>"Segment"</th><th>"Tags"</th></tr></thead>
                        <tbody>
                            {packet.assets.into_iter().map(|a| view! {
                                <tr>
                                    <td class="mono">{a.entity.value}</td>
                                    <td class="mono">{a.name}</td>
                                    {asset_cells(a.criticality, a.internet_facing, a.owner, a.service, a.segment, &a.tags)}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <IdentitySection identities=packet.identities places=packet.places/>
            <ActivitySection activity=packet.activity/>
            <p class="muted">"Enrichers: " {packet.enrichers.iter().map(enricher_text).collect::<Vec<_>>().join(" · ")}</p>
        </section>
    }
    .into_any()
}

fn enricher_text(run: &EnricherRun) -> String {
    let outcome = match &run.outcome {
        EnricherOutcome::Ok { matches } => format!("{matches} found"),
        EnricherOutcome::TimedOut => "skipped: out of time".to_owned(),
        EnricherOutcome::Failed { error } => format!("skipped: failed ({error})"),
    };
    format!("{} {} in {} ms", run.name, outcome, run.elapsed_ms)
}

/// An asset's criticality, exposure, owner, service, segment and tags as table cells (the
/// packet's matches and the inventory list the same facts).
pub fn asset_cells(
    criticality: u8,
    internet_facing: bool,
    owner: String,
    service: String,
    segment: String,
    tags: &[String],
) -> impl IntoView + use<> {
    view! {
        <td>{criticality}</td>
        <td>{if internet_facing { "internet-facing" } else { "internal" }}</td>
        <td>{owner}</td>
        <td>{service}</td>
        <td>{segment}</td>
        <td>{tags.join(", ")}</td>
    }
}
