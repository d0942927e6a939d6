//! The watchlists one indicator at a time: a search (the start of a value, an address that
//! also finds the ranges holding it, a kind, a source; a plain GET form, so a search is a
//! link), a page of indicators newest first with their expiry, and deletion of one that
//! should not match.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use riposte_domain::Permission;
use riposte_domain::enrichment::{INDICATOR_PAGE_SIZE, IndicatorKind, IndicatorPage, IndicatorRecord};

use crate::api::indicators_api::{DeleteIndicator, search_indicators};
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;
use crate::pages::queue_page::short_time;

/// The search as the page's URL holds it.
#[derive(Debug, Clone, PartialEq, Default)]
struct Search {
    q: String,
    kind: String,
    source: String,
}

#[component]
pub fn IndicatorsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || {
        query.with(|q| Search {
            q: q.get("q").unwrap_or_default(),
            kind: q.get("kind").unwrap_or_default(),
            source: q.get("source").unwrap_or_default(),
        })
    };
    let offset = move || query.with(|q| q.get("offset").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0));
    let delete = ServerAction::<DeleteIndicator>::new();
    let page = Resource::new(
        move || (search(), offset(), delete.version().get()),
        |(s, offset, _)| search_indicators(s.q, s.kind, s.source, offset),
    );
    view! {
        <Title text="Indicators · Riposte"/>
        <RequirePermission permission=Permission::ManageContext>
            <p><a href="/context">"← Context sources"</a></p>
            <h1>"Watchlist indicators"</h1>
            <form method="get" action="/context/indicators" class="row-form" role="search" aria-label="Search indicators">
                <label>"Value or address " <input name="q" value=move || search().q/></label>
                <label>"Kind "
                    <select name="kind">
                        <option value="" selected=move || search().kind.is_empty()>"any"</option>
                        {IndicatorKind::ALL.iter().map(|k| {
                            let name = k.as_str();
                            view! { <option value=name selected=move || search().kind == name>{name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Source " <input name="source" value=move || search().source/></label>
                <button type="submit">"Search"</button>
            </form>
            <ActionOutcome result=delete.value().into() success_text="Deleted."/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || page.get().map(|result| match result {
                    Ok(found) => view! { <IndicatorTable found query=query.get() delete/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn IndicatorTable(found: IndicatorPage, query: ParamsMap, delete: ServerAction<DeleteIndicator>) -> impl IntoView {
    if found.indicators.is_empty() {
        return view! { <p class="muted">"No indicators match."</p> }.into_any();
    }
    let shown = found.offset + found.indicators.len() as i64;
    let previous = (found.offset > 0).then(|| (found.offset - INDICATOR_PAGE_SIZE).max(0));
    let next = (shown < found.total).then_some(shown);
    // This search at another offset; the router encodes the values.
    let at = move |offset: i64| {
        let mut query = query.clone();
        query.replace("offset", offset.to_string());
        format!("/context/indicators{}", query.to_query_string())
    };
    let back = at(found.offset);
    let link = |offset: Option<i64>, label: &'static str| {
        offset.map(|offset| view! { <a class="button" href=at(offset)>{label}</a> })
    };
    view! {
        <p class="hint" data-testid="indicator-count">
            {format!("{}–{} of {}", found.offset + 1, shown, found.total_text())}
        </p>
        <table class="grid" data-testid="indicator-table">
            <thead><tr>
                <th>"Kind"</th><th>"Value"</th><th>"Source"</th><th>"Confidence"</th><th>"TLP"</th>
                <th>"Expires"</th><th>"Description"</th><th>"Imported"</th><th></th>
            </tr></thead>
            <tbody>
                {found.indicators.into_iter().map(|r| view! { <IndicatorRow r back=back.clone() delete/> }).collect_view()}
            </tbody>
        </table>
        <div class="row-form">{link(previous, "← Previous")}{link(next, "Next →")}</div>
    }
    .into_any()
}

#[component]
fn IndicatorRow(r: IndicatorRecord, back: String, delete: ServerAction<DeleteIndicator>) -> impl IntoView {
    let i = r.indicator;
    let expires = match (&r.expires_at, r.expired) {
        (Some(at), true) => format!("expired {}", short_time(at)),
        (Some(at), false) => short_time(at),
        (None, _) => "never".to_owned(),
    };
    let label = format!("Delete {} {}", i.kind.as_str(), i.value);
    view! {
        <tr class:expired=r.expired>
            <td>{i.kind.as_str()}</td>
            <td class="mono">{i.value}</td>
            <td>{i.source}</td>
            <td>{i.confidence}</td>
            <td>{i.tlp.as_str().to_uppercase()}</td>
            <td>{expires}</td>
            <td>{i.description}</td>
            <td class="hint">{format!("{} (changed {})", short_time(&r.first_seen), short_time(&r.updated_at))}</td>
            <td>
                <ActionForm action=delete attr:aria-label=label>
                    <input type="hidden" name="id" value=r.id/>
                    <input type="hidden" name="back" value=back/>
                    <button type="submit" class="danger">"Delete"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
