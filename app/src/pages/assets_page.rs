//! The asset inventory: a search (an address or range, or part of a name, owner or service,
//! or a tag; a plain GET form, so a search is a link), one page of matching assets, and the
//! way to add one or open one to edit.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use riposte_domain::Permission;
use riposte_domain::enrichment::{ASSET_PAGE_SIZE, AssetPage, AssetRecord};

use crate::api::assets_api::search_assets;
use crate::components::context_packet::asset_cells;
use crate::components::require_permission::RequirePermission;
use crate::pages::queue_page::short_time;

#[component]
pub fn AssetsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.with(|q| q.get("q").unwrap_or_default());
    let offset = move || query.with(|q| q.get("offset").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0));
    let page = Resource::new(move || (q(), offset()), |(q, offset)| search_assets(q, offset));
    view! {
        <Title text="Assets · Riposte"/>
        <RequirePermission permission=Permission::ManageContext>
            <p><a href="/context">"← Context sources"</a></p>
            <h1>"Asset inventory"</h1>
            <div class="row-form">
                <form method="get" action="/context/assets" class="row-form" role="search" aria-label="Search assets">
                    <label>"Address, range, name, owner, service or tag " <input name="q" value=q/></label>
                    <button type="submit">"Search"</button>
                </form>
                <a class="button" href="/context/assets/new">"New asset"</a>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || page.get().map(|result| match result {
                    Ok(found) => view! { <AssetTable found q=q()/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn AssetTable(found: AssetPage, q: String) -> impl IntoView {
    if found.assets.is_empty() {
        return view! { <p class="muted">"No assets match."</p> }.into_any();
    }
    let shown = found.offset + found.assets.len() as i64;
    let previous = (found.offset > 0).then(|| (found.offset - ASSET_PAGE_SIZE).max(0));
    let next = (shown < found.total).then_some(shown);
    // Forms rather than links: the browser encodes the search.
    let page_button = move |offset: Option<i64>, label: &'static str| {
        offset.map(|offset| {
            let q = q.clone();
            view! {
                <form method="get" action="/context/assets">
                    <input type="hidden" name="q" value=q/>
                    <input type="hidden" name="offset" value=offset/>
                    <button type="submit">{label}</button>
                </form>
            }
        })
    };
    view! {
        <p class="hint" data-testid="asset-count">{format!("{}–{} of {}", found.offset + 1, shown, found.total)}</p>
        <table class="grid" data-testid="asset-table">
            <thead><tr>
                <th>"Name"</th><th>"Addresses"</th><th>"Criticality"</th><th>"Exposure"</th><th>"Owner"</th>
                <th>"Service"</th><th>"Segment"</th><th>"Tags"</th><th>"Connectors"</th><th>"Changed"</th>
            </tr></thead>
            <tbody>{found.assets.into_iter().map(|r| view! { <AssetRow r/> }).collect_view()}</tbody>
        </table>
        <div class="row-form">{page_button(previous, "← Previous")}{page_button(next, "Next →")}</div>
    }
    .into_any()
}

#[component]
fn AssetRow(r: AssetRecord) -> impl IntoView {
    let a = r.asset;
    let label = if a.name.is_empty() { a.addresses.first().cloned().unwrap_or_default() } else { a.name.clone() };
    view! {
        <tr>
            <td><a href=format!("/context/assets/{}", r.id)>{label}</a></td>
            <td class="mono">{a.addresses.join(" ")}</td>
            {asset_cells(a.criticality, a.internet_facing, a.owner, a.service, a.segment, &a.tags)}
            <td>{a.connectors.join(", ")}</td>
            <td class="hint">{format!("{} by {}", short_time(&r.updated_at), r.updated_by)}</td>
        </tr>
    }
}
