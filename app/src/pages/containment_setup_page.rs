//! Containment set-up (administrators): integration readiness (each connector with what it
//! covers, its credential health and last success; critical-asset coverage; assets no
//! connector can act on), the guard rails, adding connectors, pre-authorised policies, and
//! SIEM outputs.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::Permission;
use riposte_domain::containment::view::{ConnectorCoverage, Readiness};

use crate::api::containment_setup_api::{
    CheckContainmentConnector, DeleteContainmentPolicy, DeleteSiemOutput, SaveContainmentConnector,
    SaveContainmentNoticeChannels, SaveContainmentPolicy, SaveSiemOutput, containment_notice_channels,
    containment_policies, containment_readiness, siem_outputs,
};
use crate::components::admin_tabs::AdminTabs;
use crate::components::error_notice::ActionOutcome;
use crate::components::list_outcome::list_or_empty;
use crate::components::require_permission::RequirePermission;
use crate::pages::containment_guard_rails::{GuardRails, GuardRailsPanel};

#[component]
pub fn ContainmentSetupPage() -> impl IntoView {
    let save_connector = ServerAction::<SaveContainmentConnector>::new();
    let check = ServerAction::<CheckContainmentConnector>::new();
    let save_policy = ServerAction::<SaveContainmentPolicy>::new();
    let delete_policy = ServerAction::<DeleteContainmentPolicy>::new();
    let save_output = ServerAction::<SaveSiemOutput>::new();
    let delete_output = ServerAction::<DeleteSiemOutput>::new();
    let readiness =
        Resource::new(move || (save_connector.version().get(), check.version().get()), |_| containment_readiness());
    let policies =
        Resource::new(move || (save_policy.version().get(), delete_policy.version().get()), |_| containment_policies());
    let outputs =
        Resource::new(move || (save_output.version().get(), delete_output.version().get()), |_| siem_outputs());
    let save_channels = ServerAction::<SaveContainmentNoticeChannels>::new();
    let channels = Resource::new(move || save_channels.version().get(), |_| containment_notice_channels());
    let guard_rails = GuardRails::load();
    view! {
        <Title text="Containment set-up · Riposte"/>
        <RequirePermission permission=Permission::ManageSettings>
            <AdminTabs/>
            <h1>"Containment set-up"</h1>
            <section class="panel" aria-label="Readiness" data-testid="readiness">
                <h2>"Integration readiness"</h2>
                <ActionOutcome result=check.value().into() success_text="Checked."/>
                {move || check.value().get().and_then(Result::ok).map(|m| view! { <p class="hint" data-testid="check-result">{m}</p> })}
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || readiness.get().map(|result| match result {
                        Ok(r) => view! { <ReadinessView readiness=r check/> }.into_any(),
                        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            <GuardRailsPanel state=guard_rails/>
            <section class="panel" aria-label="Add a connector">
                <h2>"Add or change a connector"</h2>
                <p class="hint">"Secrets are named, never stored: env:NAME or file:/path on the server. Ranges: what it may act on (empty: any address). Management: its own address, protected from blocks."</p>
                <ActionOutcome result=save_connector.value().into() success_text="Connector saved."/>
                <ActionForm action=save_connector attr:class="stack-form">
                    <label>"Name" <input name="name" required/></label>
                    <label>"Kind"
                        <select name="kind">
                            {["nftables", "webhook", "panos", "fortigate", "checkpoint", "falcon", "defender"].map(|k| view! { <option value=k>{k}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Settings (JSON)" <textarea name="config" rows="3">"{}"</textarea></label>
                    <label>"Secret" <input name="secret_ref" placeholder="env:EDGE_FW_KEY"/></label>
                    <label>"Ranges" <input name="ranges" placeholder="10.0.0.0/8 192.168.0.0/16"/></label>
                    <label>"Management address" <input name="management" placeholder="192.0.2.1"/></label>
                    <label><input type="checkbox" name="enabled" checked/>" enabled"</label>
                    <button type="submit">"Save connector"</button>
                </ActionForm>
            </section>
            <section class="panel" aria-label="Pre-authorised policies" data-testid="policies">
                <h2>"Pre-authorised policies"</h2>
                <ActionOutcome result=save_policy.value().into() success_text="Policy saved."/>
                <ActionOutcome result=delete_policy.value().into() success_text="Policy removed (switched off if it already acted)."/>
                <Transition fallback=|| ()>
                    {move || policies.get().map(|result| list_or_empty(result, "No policies: every action waits for a person.", |list| view! {
                        <table class="list"><thead><tr><th>"Name"</th><th>"When"</th><th>"Then"</th><th>"Cap"</th><th></th></tr></thead><tbody>
                            {list.into_iter().map(|p| view! {
                                <tr>
                                    <td>{p.name.clone()}{(!p.enabled).then_some(" (off)")}</td>
                                    <td>{p.describe.clone()}</td>
                                    <td class="mono">{format!("{} {} {} via {} for {} s", p.kind, p.aim, p.direction.clone().unwrap_or_default(), p.connector, p.ttl_secs)}</td>
                                    <td>{format!("{} of {} this hour", p.last_hour, p.rate_cap_per_hour)}</td>
                                    <td><ActionForm action=delete_policy attr:class="inline">
                                        <input type="hidden" name="name" value=p.name.clone()/>
                                        <button type="submit">"Remove"</button>
                                    </ActionForm></td>
                                </tr>
                            }).collect_view()}
                        </tbody></table>
                    }))}
                </Transition>
                <ActionForm action=save_policy attr:class="stack-form">
                    <label>"Name" <input name="name" required/></label>
                    <label>"Condition (JSON)" <input name="condition" value=r#"{"signature_contains": "ET SCAN", "min_severity": 4}"#/></label>
                    <p class="hint">"Every part given must hold: signature_contains, category_contains (Suricata's classification, a CEF cat), sources, min_severity (1 to 5), min_score (0 to 100), watchlist_match, techniques."</p>
                    <label>"Action" <select name="kind"><option value="block">"block"</option><option value="quarantine">"quarantine"</option><option value="isolate">"isolate"</option></select></label>
                    <label>"Direction" <select name="direction"><option value="both">"both"</option><option value="inbound">"inbound"</option><option value="outbound">"outbound"</option><option value="">"—"</option></select></label>
                    <label>"Aim at" <select name="aim"><option value="source">"source address"</option><option value="destination">"destination address"</option><option value="host">"host"</option></select></label>
                    <label>"Connector" <input name="connector" required/></label>
                    <label>"For (seconds)" <input name="ttl_secs" type="number" value="3600"/></label>
                    <label>"At most per hour" <input name="rate_cap_per_hour" type="number" value="10"/></label>
                    <label><input type="checkbox" name="enabled" checked/>" enabled"</label>
                    <button type="submit">"Save policy"</button>
                </ActionForm>
            </section>
            <section class="panel" aria-label="NOC notice channels">
                <h2>"Where the NOC's notices go"</h2>
                <ActionOutcome result=save_channels.value().into() success_text="Channels saved."/>
                <Transition fallback=|| ()>
                    {move || channels.get().map(|result| match result {
                        Ok((chosen, all)) => view! {
                            <ActionForm action=save_channels attr:class="row-form">
                                <label>"Channels (besides the Containment page)"
                                    <input name="channels" value=chosen.join(", ") placeholder="noc-chat, noc-mail"/>
                                </label>
                                <button type="submit">"Save channels"</button>
                            </ActionForm>
                            <p class="hint">{format!("Channels (set up under Escalation): {}", if all.is_empty() { "none yet".to_owned() } else { all.join(", ") })}</p>
                        }.into_any(),
                        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            <section class="panel" aria-label="SIEM outputs" data-testid="siem-outputs">
                <h2>"Feedback to the SIEM"</h2>
                <ActionOutcome result=save_output.value().into() success_text="Output saved."/>
                <ActionOutcome result=delete_output.value().into() success_text="Output removed."/>
                <Transition fallback=|| ()>
                    {move || outputs.get().map(|result| list_or_empty(result, "No outputs: nothing is sent to a SIEM.", |list| view! {
                        <table class="list"><thead><tr><th>"Name"</th><th>"Kind"</th><th>"Address"</th><th>"Waiting"</th><th>"Last error"</th><th></th></tr></thead><tbody>
                            {list.into_iter().map(|o| view! {
                                <tr>
                                    <td>{o.name.clone()}</td><td>{o.kind.clone()}</td><td class="mono">{o.address.clone()}</td>
                                    <td>{format!("{} ({} failing)", o.pending, o.failed)}</td>
                                    <td>{o.last_error.clone().unwrap_or_default()}</td>
                                    <td><ActionForm action=delete_output attr:class="inline">
                                        <input type="hidden" name="name" value=o.name.clone()/>
                                        <button type="submit">"Remove"</button>
                                    </ActionForm></td>
                                </tr>
                            }).collect_view()}
                        </tbody></table>
                    }))}
                </Transition>
                <ActionForm action=save_output attr:class="row-form">
                    <label>"Name" <input name="name" required/></label>
                    <label>"Kind" <select name="kind"><option value="syslog_tcp">"syslog over TCP"</option><option value="syslog_udp">"syslog over UDP"</option><option value="hec">"Splunk HEC"</option></select></label>
                    <label>"Address" <input name="address" placeholder="siem:514 or https://splunk:8088" required/></label>
                    <label>"Token (HEC)" <input name="token_ref" placeholder="env:HEC_TOKEN"/></label>
                    <button type="submit">"Save output"</button>
                </ActionForm>
            </section>
        </RequirePermission>
    }
}

#[component]
fn ReadinessView(readiness: Readiness, check: ServerAction<CheckContainmentConnector>) -> impl IntoView {
    let percent = readiness.coverage_percent();
    view! {
        <p data-testid="coverage">
            {format!("{:.0}% of critical assets ({} of {}) can be contained by some connector.", percent, readiness.critical_covered, readiness.critical_assets)}
        </p>
        {list_or_empty(Ok(readiness.connectors), "No connectors yet: containment cannot act.", move |list| view! {
            <table class="list" data-testid="connectors"><thead><tr>
                <th>"Connector"</th><th>"Can"</th><th>"Covers"</th><th>"Credentials"</th><th>"Last success"</th><th></th>
            </tr></thead><tbody>
                {list.into_iter().map(|c| view! { <ConnectorRow connector=c check/> }).collect_view()}
            </tbody></table>
        })}
        {(!readiness.uncovered.is_empty()).then(|| view! {
            <h3 data-testid="uncovered-count">{format!("Assets no connector can act on (no API): {} of {}, most critical first", readiness.assets_uncovered, readiness.assets)}</h3>
            <ul data-testid="uncovered">
                {readiness.uncovered.into_iter().map(|a| view! {
                    <li>{format!("{} (criticality {}) {} {}", a.name, a.criticality, a.addresses.join(", "), a.segment)}</li>
                }).collect_view()}
            </ul>
        })}
    }
}

#[component]
fn ConnectorRow(connector: ConnectorCoverage, check: ServerAction<CheckContainmentConnector>) -> impl IntoView {
    let health = match connector.check_ok {
        Some(true) => format!("healthy ({})", connector.checked_at.clone().unwrap_or_default()),
        Some(false) => format!("failing: {}", connector.check_message.clone().unwrap_or_default()),
        None => "not checked".into(),
    };
    let covers = if connector.ranges.is_empty() { "any address".to_owned() } else { connector.ranges.join(", ") };
    view! {
        <tr>
            <td>{connector.name.clone()}" "<span class="hint">{connector.kind.clone()}</span>{(!connector.enabled).then_some(" (off)")}</td>
            <td>{connector.can.join(", ")}</td>
            <td>{format!("{covers}; {} inventory assets", connector.assets)}{(!connector.segments.is_empty()).then(|| format!(" in {}", connector.segments.join(", ")))}</td>
            <td>{health}</td>
            <td class="mono">{connector.last_success_at.clone().unwrap_or_else(|| "never".into())}</td>
            <td><ActionForm action=check attr:class="inline">
                <input type="hidden" name="name" value=connector.name.clone()/>
                <button type="submit">"Check"</button>
            </ActionForm></td>
        </tr>
    }
}
