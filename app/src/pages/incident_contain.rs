//! The Contain panels of an incident and of an alert: for each address and host named, the
//! actions the connectors can take, each with its blast radius and guard-rail verdict shown
//! before the click; on an incident, then its actions with their decisions. Shown to roles
//! that may ask for containment; the server checks again.

use leptos::prelude::*;
use riposte_domain::Permission;
use riposte_domain::containment::view::{ActionView, Offer, PreviewView, Proposal};

use crate::AppError;
use crate::api::containment_api::{
    DEFAULT_TTL_SECS, RequestContainment, alert_contain_proposals, contain_proposals, containment_actions,
};
use crate::components::error_notice::ActionOutcome;
use crate::components::list_outcome::list_or_empty;
use crate::components::live_refresh::refresh_on_containment;
use crate::components::session::SessionResource;
use crate::pages::containment_actions::{ActionsTable, DecisionOutcomes, Decisions};

const TTLS: [(u64, &str); 5] =
    [(900, "15 minutes"), (3600, "1 hour"), (14_400, "4 hours"), (86_400, "1 day"), (604_800, "7 days")];

/// What an incident's Contain panel shows and does. The page makes it at its top, outside
/// every Suspense and Transition: made inside one, server rendering builds the resources once
/// per render pass, and the browser hydrates with the first pass's answer, which may differ
/// (a pass abandoned mid-request answers an error).
#[derive(Clone, Copy)]
pub struct IncidentContain {
    request: ServerAction<RequestContainment>,
    decisions: Decisions,
    actions: Resource<Result<Vec<ActionView>, AppError>>,
    proposals: Resource<Result<Vec<Offer>, AppError>>,
}

impl IncidentContain {
    /// `changes` moves when the incident does (an alert linked brings new entities to offer).
    pub fn new(
        incident_id: impl Fn() -> i64 + Copy + Send + Sync + 'static,
        changes: impl Fn() -> u32 + Send + Sync + 'static,
    ) -> IncidentContain {
        let request = ServerAction::<RequestContainment>::new();
        let decisions = Decisions::new();
        let (refresh, bump) = signal(0u32);
        refresh_on_containment(bump);
        let actions = Resource::new(
            move || (incident_id(), refresh.get(), request.version().get(), decisions.versions()),
            |(id, ..)| containment_actions(Some(id)),
        );
        let proposals = Resource::new(move || (incident_id(), changes()), |(id, _)| contain_proposals(id));
        IncidentContain { request, decisions, actions, proposals }
    }
}

#[component]
pub fn ContainPanel(incident_id: i64, contain: IncidentContain) -> impl IntoView {
    let session = SessionResource::expect();
    let IncidentContain { request, decisions, actions, proposals } = contain;
    view! {
        <Suspense>
            {move || session.user().filter(|u| u.role.can(Permission::RequestContainment)).map(|_| view! {
                <section class="panel" aria-label="Contain" data-testid="contain-panel">
                    <h2>"Contain"</h2>
                    <ActionOutcome result=request.value().into() success_text="Requested."/>
                    <DecisionOutcomes decisions/>
                    <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                        {move || {
                            // The key changes with every action recorded: a double click asks once.
                            let recorded = actions.get().and_then(Result::ok).map(|a| a.len()).unwrap_or(0);
                            proposals.get().map(|result| list_or_empty(result, "No connector can act on this incident's addresses or hosts.", |list| view! {
                                <ul class="proposals">
                                    {list.into_iter().map(|p| {
                                        let key = format!("incident-{incident_id}-{recorded}");
                                        view! { <ProposalItem offer=p incident_id=Some(incident_id) key request/> }
                                    }).collect_view()}
                                </ul>
                            }))
                        }}
                    </Transition>
                    <Transition fallback=|| ()>
                        {move || actions.get().map(|result| list_or_empty(result, "No containment on this incident yet.", |list| view! {
                            <ActionsTable actions=list decisions/>
                        }))}
                    </Transition>
                </section>
            })}
        </Suspense>
    }
}

/// The alert page's Contain panel state; made at the page's top for the reason given on
/// [`IncidentContain`].
#[derive(Clone, Copy)]
pub struct AlertContain {
    request: ServerAction<RequestContainment>,
    proposals: Resource<Result<AlertOffers, AppError>>,
}

/// The alert's incident, if it has one yet, and what can be done about its entities.
type AlertOffers = (Option<i64>, Vec<Offer>);

impl AlertContain {
    pub fn new(alert_id: impl Fn() -> i64 + Send + Sync + 'static) -> AlertContain {
        AlertContain { request: ServerAction::new(), proposals: Resource::new(alert_id, alert_contain_proposals) }
    }
}

/// The same proposals on an alert's page, for its own entities; the action is recorded on
/// the alert's incident (linked) and listed there and on the Containment page. The page
/// places it outside its alert's Transition: nested inside, it broke hydration.
#[component]
pub fn AlertContainPanel(alert_id: i64, contain: AlertContain) -> impl IntoView {
    let session = SessionResource::expect();
    let AlertContain { request, proposals } = contain;
    view! {
        <Suspense>
            {move || session.user().filter(|u| u.role.can(Permission::RequestContainment)).map(|_| view! {
                <section class="panel" aria-label="Contain" data-testid="contain-panel">
                    <h2>"Contain"</h2>
                    <ActionOutcome result=request.value().into() success_text="Requested: see it on the incident or the Containment page."/>
                    <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                        {move || proposals.get().map(|result| {
                            let recorded = request.version().get();
                            let (incident_id, list) = match result {
                                Ok((incident_id, list)) => (incident_id, Ok(list)),
                                Err(err) => (None, Err(err)),
                            };
                            let recorded_on = incident_id.map(|id| view! {
                                <p class="hint" data-testid="recorded-on">
                                    "Actions are recorded on " <a href=format!("/incidents/{id}")>{format!("incident #{id}")}</a> "."
                                </p>
                            });
                            let listed = list_or_empty(list, "No connector can act on this alert's addresses or hosts.", move |list| view! {
                                <ul class="proposals">
                                    {list.into_iter().map(|p| {
                                        let key = format!("alert-{alert_id}-{recorded}");
                                        view! { <ProposalItem offer=p incident_id key request/> }
                                    }).collect_view()}
                                </ul>
                            });
                            view! { {recorded_on} {listed} }
                        })}
                    </Transition>
                </section>
            })}
        </Suspense>
    }
}

/// `key` (with the proposal's own parts) is the idempotency key: the same click twice asks once.
#[component]
fn ProposalItem(
    offer: Offer,
    incident_id: Option<i64>,
    key: String,
    request: ServerAction<RequestContainment>,
) -> impl IntoView {
    let Offer { proposal, preview } = offer;
    let key = format!("{key}-{}-{}-{}", proposal.kind, proposal.target, proposal.connector);
    let label = match &proposal.direction {
        Some(d) => format!("{} {} ({d}) via {}", proposal.kind, proposal.target, proposal.connector),
        None => format!("{} {} via {}", proposal.kind, proposal.target, proposal.connector),
    };
    let form_label = format!("Contain {}", proposal.target);
    let because = format!(" — {} ({})", proposal.because, proposal.role);
    let Proposal { kind, target, direction, connector, kinds, directions, .. } = proposal;
    let shown_target = target.clone();
    // A reason is always recorded; one is filled in so that containing is one click.
    let default_reason = match incident_id {
        Some(id) => format!("{kind} {target}: seen in incident #{id}"),
        None => format!("{kind} {target}"),
    };
    view! {
        <li data-testid="proposal" data-target=shown_target>
            <strong>{label}</strong>
            <span class="hint">{because}</span>
            {match preview {
                Ok(preview) => view! { <PreviewSummary preview/> }.into_any(),
                Err(err) => view! { <p class="error" role="alert">{err}</p> }.into_any(),
            }}
            <ActionForm action=request attr:class="row-form" attr:aria-label=form_label>
                <ActionChoice kind kinds direction directions/>
                <input type="hidden" name="target" value=target/>
                <input type="hidden" name="connector" value=connector/>
                {incident_id.map(|i| view! { <input type="hidden" name="incident_id" value=i/> })}
                <input type="hidden" name="idempotency_key" value=key/>
                <label>"For"
                    <select name="ttl_secs">
                        {TTLS.into_iter().map(|(secs, text)| view! { <option value=secs selected=secs == DEFAULT_TTL_SECS>{text}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Reason" <input name="reason" required value=default_reason/></label>
                <label>"Override (protected entries)" <input name="override_reason" placeholder="only to override a guard rail"/></label>
                <button type="submit" data-testid="contain">"Contain"</button>
            </ActionForm>
        </li>
    }
}

/// The kind of action and, for a block, its direction: a choice where the connector offers
/// more than the proposal's own, else fixed.
#[component]
fn ActionChoice(kind: String, kinds: Vec<String>, direction: Option<String>, directions: Vec<String>) -> impl IntoView {
    view! {
        {choice("Action", "kind", kinds, kind)}
        {choice("Direction (blocks)", "direction", directions, direction.unwrap_or_default())}
    }
}

/// A form field `name`: a select of `options` when there is more than one, else `chosen` as
/// a hidden value.
fn choice(label: &'static str, name: &'static str, options: Vec<String>, chosen: String) -> AnyView {
    if options.len() < 2 {
        return view! { <input type="hidden" name=name value=chosen/> }.into_any();
    }
    view! {
        <label>{label}
            <select name=name>
                {options.into_iter().map(|o| view! { <option value=o.clone() selected=o == chosen>{o.clone()}</option> }).collect_view()}
            </select>
        </label>
    }
    .into_any()
}

#[component]
fn PreviewSummary(preview: PreviewView) -> impl IntoView {
    view! {
        <div class="preview" data-testid="blast-radius">
            <p>
                {format!("{} loses connectivity: {} address(es)", preview.target, preview.addresses)}
                {(!preview.assets.is_empty()).then(|| format!("; inventory: {}", preview.assets.join(", ")))}
                {(!preview.services.is_empty()).then(|| format!("; services: {}", preview.services.join(", ")))}
            </p>
            {preview.refusals.iter().map(|r| view! { <p class="error">{format!("Refused: {r}")}</p> }).collect_view()}
            {(!preview.needs_approval.is_empty()).then(|| view! {
                <p class="notice" data-testid="needs-approval">{format!("Needs a second person: {}", preview.needs_approval.join("; "))}</p>
            })}
        </div>
    }
}
