//! One asset of the inventory, to add (`/context/assets/new`) or to change and delete. The
//! form carries the version it was loaded at: if someone changed the asset meanwhile, saving
//! is refused with who changed it, never a silent overwrite.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use riposte_domain::Permission;
use riposte_domain::enrichment::{Asset, AssetRecord};

use crate::api::assets_api::{DeleteAsset, SaveAsset, get_asset};
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;

#[component]
pub fn AssetEditPage() -> impl IntoView {
    let params = use_params_map();
    // "new" (or anything not a number) is a blank form.
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let save = ServerAction::<SaveAsset>::new();
    let delete = ServerAction::<DeleteAsset>::new();
    let record = Resource::new(
        move || (id(), save.version().get()),
        |(id, _)| async move { if id == 0 { Ok(None) } else { get_asset(id).await.map(Some) } },
    );
    view! {
        <Title text="Asset · Riposte"/>
        <RequirePermission permission=Permission::ManageContext>
            <p><a href="/context/assets">"← Asset inventory"</a></p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || record.get().map(|result| match result {
                    Ok(record) => view! { <AssetForm record save delete/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn AssetForm(
    record: Option<AssetRecord>,
    save: ServerAction<SaveAsset>,
    delete: ServerAction<DeleteAsset>,
) -> impl IntoView {
    let (id, version) = record.as_ref().map_or((0, 0), |r| (r.id, r.version));
    let changed =
        record.as_ref().map(|r| format!("Version {}, changed {} by {}", r.version, r.updated_at, r.updated_by));
    let a = record.map(|r| r.asset).unwrap_or(Asset { criticality: 3, ..Asset::default() });
    let title = if id == 0 {
        "New asset".to_owned()
    } else {
        format!("Asset {}", if a.name.is_empty() { a.addresses.join(", ") } else { a.name.clone() })
    };
    view! {
        <h1>{title}</h1>
        {changed.map(|text| view! { <p class="hint" data-testid="asset-version">{text}</p> })}
        <ActionOutcome result=save.value().into() success_text="Saved: alerts enriched from now on use this entry."/>
        <ActionForm action=save attr:class="card asset-form" attr:aria-label="Asset">
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="version" value=version/>
            <label>"Host name " <input type="text" name="asset[name]" value=a.name maxlength="200" placeholder="dc01.corp.example"/></label>
            <label>"Addresses and ranges (one per line) "
                <textarea name="asset[addresses]" rows="3" placeholder="10.0.0.10\n10.0.5.0/24">{a.addresses.join("\n")}</textarea>
            </label>
            <label>"Criticality (1 lab machine – 5 domain controller, payment system) "
                <input type="number" name="asset[criticality]" min="1" max="5" required value=a.criticality/>
            </label>
            <label><input type="checkbox" name="asset[internet_facing]" value="on" checked=a.internet_facing/>" Internet-facing"</label>
            <label>"Owner " <input type="text" name="asset[owner]" value=a.owner maxlength="200"/></label>
            <label>"Business service " <input type="text" name="asset[service]" value=a.service maxlength="200"/></label>
            <label>"Segment / VLAN " <input type="text" name="asset[segment]" value=a.segment maxlength="200"/></label>
            <label>"Tags (domain-controller, dns, gateway, printer…) " <input type="text" name="asset[tags]" value=a.tags.join(", ")/></label>
            <label>"Containment connectors that control it " <input type="text" name="asset[connectors]" value=a.connectors.join(", ")/></label>
            <button type="submit">{if id == 0 { "Create asset" } else { "Save asset" }}</button>
        </ActionForm>
        {(id != 0).then(|| view! {
            <ActionOutcome result=delete.value().into() success_text="Deleted."/>
            <ActionForm action=delete attr:class="row-form" attr:aria-label="Delete asset">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="version" value=version/>
                <button type="submit" class="danger">"Delete asset"</button>
            </ActionForm>
        })}
    }
}
