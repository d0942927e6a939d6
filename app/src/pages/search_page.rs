//! Search across incidents, alerts, entities (addresses by range, names by part) and
//! comments. A plain GET form, so a search is a link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use riposte_domain::Permission;
use riposte_domain::incident::SearchResults;

use crate::api::incidents_api::search;
use crate::components::require_permission::RequirePermission;
use crate::pages::queue_page::short_time;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.with(|q| q.get("q").unwrap_or_default());
    let results = Resource::new(q, search);
    view! {
        <Title text="Search · Riposte"/>
        <RequirePermission permission=Permission::ViewIncidents>
            <h1>"Search"</h1>
            <form method="get" action="/search" class="row-form" role="search" aria-label="Search">
                <label>"Words, an address or range, a host or user" <input name="q" value=q autofocus/></label>
                <button type="submit">"Search"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
                {move || results.get().map(|result| match result {
                    Ok(found) => view! { <Results found/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </RequirePermission>
    }
}

#[component]
fn Results(found: SearchResults) -> impl IntoView {
    view! {
        <section class="panel" data-testid="search-incidents">
            <h2>{format!("Incidents ({})", found.incidents.len())}</h2>
            <ul>{found.incidents.into_iter().map(|i| view! {
                <li><a href=format!("/incidents/{}", i.id)>{format!("#{} ", i.id)}{i.title}</a>
                    <span class="hint">{format!(" {} · {}", i.status.as_str(), short_time(&i.last_seen))}</span></li>
            }).collect_view()}</ul>
        </section>
        <section class="panel" data-testid="search-entities">
            <h2>{format!("Entities ({})", found.entities.len())}</h2>
            <ul>{found.entities.into_iter().map(|e| view! {
                <li><span class="mono">{format!("{} {}", e.kind, e.value)}</span>" in "
                    <a href=format!("/incidents/{}", e.incident_id)>{format!("incident #{}", e.incident_id)}</a>
                    <span class="hint">{format!(" ({} alerts, last {})", e.alert_count, short_time(&e.last_seen))}</span></li>
            }).collect_view()}</ul>
        </section>
        <section class="panel" data-testid="search-alerts">
            <h2>{format!("Alerts ({})", found.alerts.len())}</h2>
            <ul>{found.alerts.into_iter().map(|a| view! {
                <li><a href=format!("/alerts/{}", a.id)>{format!("#{} ", a.id)}{a.title}</a>
                    <span class="hint">{format!(" {} · {}", a.source, short_time(&a.received_at))}</span>
                    {a.incident_id.map(|i| view! { " in " <a href=format!("/incidents/{i}")>{format!("#{i}")}</a> })}</li>
            }).collect_view()}</ul>
        </section>
        <section class="panel" data-testid="search-comments">
            <h2>{format!("Comments ({})", found.comments.len())}</h2>
            <ul>{found.comments.into_iter().map(|c| view! {
                <li><a href=format!("/incidents/{}", c.incident_id)>{format!("incident #{}", c.incident_id)}</a>
                    <span class="hint">{format!(" {} at {}: ", c.author, short_time(&c.at))}</span>
                    <span class="prewrap">{c.excerpt}</span></li>
            }).collect_view()}</ul>
        </section>
    }
}
