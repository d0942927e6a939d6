//! Ingest administration: per-source tokens (create, see last use, revoke) and the storm
//! control policy of each source.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::Permission;
use riposte_domain::alert::StormField;
use riposte_domain::ingest_admin::{StormPolicyView, TokenSummary};

use crate::api::ingest_admin_api::{
    CreateToken, RemoveStormPolicy, RevokeToken, SetStormPolicy, list_storm_policies, list_tokens,
};
use crate::components::admin_tabs::AdminTabs;
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;
use crate::pages::queue_page::short_time;

#[component]
pub fn IngestAdminPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let set_policy = ServerAction::<SetStormPolicy>::new();
    let remove_policy = ServerAction::<RemoveStormPolicy>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
    let policies =
        Resource::new(move || (set_policy.version().get(), remove_policy.version().get()), |_| list_storm_policies());
    let fields = StormField::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ");
    view! {
        <Title text="Ingest · Admin · Riposte"/>
        <RequirePermission permission=Permission::ManageSettings>
            <AdminTabs/>
            <h1>"Ingest tokens"</h1>
            <section class="panel">
                <h2>"Create a token"</h2>
                <ActionForm action=create attr:class="row-form" attr:aria-label="Create token">
                    <label>"Name" <input name="name" placeholder="suricata sensor dmz-1" required/></label>
                    <label>"Source" <input name="source" placeholder="suricata" required/></label>
                    <fieldset class="inline-checks">
                        <legend>"Scopes"</legend>
                        <label class="check"><input type="checkbox" name="ingest" checked/>" ingest"</label>
                        <label class="check"><input type="checkbox" name="read"/>" read"</label>
                        <label class="check"><input type="checkbox" name="triage"/>" triage"</label>
                        <label class="check"><input type="checkbox" name="context"/>" context"</label>
                    </fieldset>
                    <button type="submit" class="primary">"Create"</button>
                </ActionForm>
                {move || match create.value().get() {
                    Some(Ok(created)) => view! {
                        <p class="ok" role="status">"Token " {created.id} " created. Copy it now; it is not shown again:"</p>
                        <pre class="secret" data-testid="new-token">{created.secret}</pre>
                    }.into_any(),
                    Some(Err(err)) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }}
            </section>
            <ActionOutcome result=revoke.value().into() success_text="Token revoked; senders using it are refused from now on."/>
            <Transition fallback=|| view! { <p class="loading">"Loading tokens…"</p> }>
                {move || tokens.get().map(|result| match result {
                    Ok(list) => view! { <TokensTable list revoke/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>

            <h1>"Storm control"</h1>
            <p class="notice">
                "When a source floods one signature, alerts past the threshold within the window roll up into one queue row with a running count; every original stays stored. "
                "The policy " <code>"*"</code> " applies to sources without their own. Group-by fields (" {fields.clone()} ") split one signature into separate storms."
            </p>
            <section class="panel">
                <h2>"Set a source's policy"</h2>
                <ActionForm action=set_policy attr:class="row-form" attr:aria-label="Set storm policy">
                    <label>"Source" <input name="source" placeholder="suricata or *" required/></label>
                    <label>"Threshold" <input name="threshold" type="number" min="0" value="20" required/></label>
                    <label>"Window (s)" <input name="window_secs" type="number" min="1" value="60" required/></label>
                    <label>"Group by" <input name="group_by" placeholder="src_ip,dst_ip"/></label>
                    <label class="check"><input type="checkbox" name="disabled"/>" off"</label>
                    <button type="submit" class="primary">"Save"</button>
                </ActionForm>
                <ActionOutcome result=set_policy.value().into() success_text="Storm policy saved."/>
                <ActionOutcome result=remove_policy.value().into() success_text="Policy removed; the default applies."/>
            </section>
            <Transition fallback=|| view! { <p class="loading">"Loading policies…"</p> }>
                {move || policies.get().map(|result| match result {
                    Ok(list) => view! { <PoliciesTable list remove_policy/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn TokensTable(list: Vec<TokenSummary>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <table class="grid" data-testid="tokens">
            <thead>
                <tr>
                    <th>"Name"</th><th>"Source"</th><th>"Scopes"</th><th>"Starts with"</th>
                    <th>"Created"</th><th>"Last used"</th><th>"State"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|token| {
                    let id = token.id;
                    let revoked = token.revoked_at.is_some();
                    let name = token.name.clone();
                    view! {
                        <tr data-token-name=name class:disabled=revoked>
                            <td>{token.name}</td>
                            <td class="mono">{token.source}</td>
                            <td>{token.scopes.join(", ")}</td>
                            <td class="mono">{format!("{}…", token.prefix)}</td>
                            <td class="mono">{format!("{} by {}", short_time(&token.created_at), token.created_by)}</td>
                            <td class="mono">{token.last_used_at.as_deref().map_or_else(|| "never".into(), short_time)}</td>
                            <td class="actions">
                                {if revoked {
                                    view! { <span>{format!("revoked {}", token.revoked_at.as_deref().map(short_time).unwrap_or_default())}</span> }.into_any()
                                } else {
                                    view! {
                                        <ActionForm action=revoke attr:class="inline">
                                            <input type="hidden" name="token_id" value=id/>
                                            <button type="submit">"Revoke"</button>
                                        </ActionForm>
                                    }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn PoliciesTable(list: Vec<StormPolicyView>, remove_policy: ServerAction<RemoveStormPolicy>) -> impl IntoView {
    view! {
        <table class="grid" data-testid="storm-policies">
            <thead>
                <tr><th>"Source"</th><th>"State"</th><th>"Threshold"</th><th>"Window"</th><th>"Group by"</th><th>"Changed"</th><th></th></tr>
            </thead>
            <tbody>
                {list.into_iter().map(|view| {
                    let p = view.policy;
                    let group_by: Vec<_> = p.group_by.iter().map(|f| f.as_str()).collect();
                    let is_default = p.source == riposte_domain::alert::DEFAULT_POLICY_SOURCE;
                    let source = p.source.clone();
                    let row_source = p.source.clone();
                    view! {
                        <tr data-storm-source=row_source>
                            <td class="mono">{p.source}</td>
                            <td>{if p.enabled { "on" } else { "off" }}</td>
                            <td>{p.threshold}</td>
                            <td>{format!("{} s", p.window_secs)}</td>
                            <td class="mono">{if group_by.is_empty() { "signature".to_owned() } else { group_by.join(", ") }}</td>
                            <td class="mono">{format!("{} by {}", short_time(&view.updated_at), view.updated_by)}</td>
                            <td class="actions">
                                {(!is_default).then(|| view! {
                                    <ActionForm action=remove_policy attr:class="inline">
                                        <input type="hidden" name="source" value=source.clone()/>
                                        <button type="submit">"Remove"</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
