//! The identity and network parts of a context packet: each user's sign-in pattern with its
//! flags (new source, new host, impossible travel), where addresses are, and each address's
//! recent flows and DNS lookups. All of it is rendered as text (names come from alerts).

use leptos::prelude::*;
use riposte_domain::enrichment::activity::NetworkActivity;
use riposte_domain::enrichment::identity::{IdentityContext, Seen};
use riposte_domain::enrichment::packet::AddressPlace;

fn seen_list(items: &[Seen]) -> String {
    if items.is_empty() {
        return "—".into();
    }
    items
        .iter()
        .map(|s| {
            if s.place.is_empty() {
                format!("{} ×{}", s.value, s.count)
            } else {
                format!("{} ({}) ×{}", s.value, s.place, s.count)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn IdentitySection(identities: Vec<IdentityContext>, places: Vec<AddressPlace>) -> impl IntoView {
    view! {
        {(!identities.is_empty()).then(|| view! {
            <h3>"Users (" {identities.len()} ")"</h3>
            <div data-testid="identity-context">
                {identities.into_iter().map(|who| {
                    let flags = who.flags();
                    view! {
                        <div class="identity">
                            <p><strong class="mono">{who.user.clone()}</strong>
                                {format!(": {} successful and {} failed logons in 30 days", who.logons, who.failures)}</p>
                            {(!flags.is_empty()).then(|| view! {
                                <ul class="flags" data-testid="identity-flags">
                                    {flags.into_iter().map(|f| view! { <li class="error">{f}</li> }).collect_view()}
                                </ul>
                            })}
                            <dl class="facts">
                                <dt>"Usual hosts"</dt><dd class="mono">{seen_list(&who.usual_hosts)}</dd>
                                <dt>"Usual sources"</dt><dd class="mono">{seen_list(&who.usual_sources)}</dd>
                                <dt>"Usual places"</dt><dd>{seen_list(&who.usual_places)}</dd>
                            </dl>
                        </div>
                    }
                }).collect_view()}
            </div>
        })}
        {(!places.is_empty()).then(|| view! {
            <h3>"Where"</h3>
            <ul data-testid="address-places">
                {places.into_iter().map(|p| view! { <li><span class="mono">{p.address}</span>" " {p.label}</li> }).collect_view()}
            </ul>
        })}
    }
}

#[component]
pub fn ActivitySection(activity: Vec<NetworkActivity>) -> impl IntoView {
    view! {
        <h3>"Recent flows and DNS (24 h)"</h3>
        {if activity.is_empty() {
            view! { <p class="muted">"No flows, firewall sessions or DNS lookups stored for its addresses."</p> }.into_any()
        } else {
            view! {
                <table class="grid" data-testid="network-activity">
                    <thead><tr><th>"Address"</th><th>"Events"</th><th>"Flows"</th><th>"Denied"</th><th>"Top peers"</th><th>"Top ports"</th><th>"DNS lookups"</th></tr></thead>
                    <tbody>
                        {activity.into_iter().map(|a| view! {
                            <tr>
                                <td class="mono">{a.address.clone()}</td>
                                <td>{a.events}</td>
                                <td>{a.flows}</td>
                                <td>{a.denied}</td>
                                <td class="mono">{seen_list(&a.peers)}</td>
                                <td class="mono">{seen_list(&a.ports)}</td>
                                <td class="mono">{seen_list(&a.dns)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
