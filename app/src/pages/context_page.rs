//! Context sources: how many assets and indicators are loaded, forms to import an asset
//! inventory or a watchlist (plain multipart forms, so they work without JavaScript), and the
//! recent import jobs with their outcome.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::Permission;
use riposte_domain::enrichment::ImportView;

use crate::api::context_api::{ContextOverview, SetGeoipDatabases, geoip_databases, get_context_overview};
use crate::components::error_notice::ActionOutcome;
use crate::components::require_permission::RequirePermission;
use crate::pages::queue_page::short_time;

#[component]
pub fn ContextPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_context_overview());
    let save_geo = ServerAction::<SetGeoipDatabases>::new();
    let geo = Resource::new(move || save_geo.version().get(), |_| geoip_databases());
    view! {
        <Title text="Context · Riposte"/>
        <RequirePermission permission=Permission::ManageContext>
            <h1>"Context sources"</h1>
            <p class="hint">"Every alert is looked up in the asset inventory and the live watchlists before it reaches a queue. A file with any bad row stores nothing; its report names each bad row."</p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || overview.get().map(|result| match result {
                    Ok(o) => view! { <Overview o/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <GeoPanel geo save=save_geo/>
        </RequirePermission>
    }
}

/// The City and ASN database paths, either unset.
type GeoPaths = (Option<String>, Option<String>);

/// The GeoIP and ASN databases (MaxMind mmdb files on the server) that place addresses.
#[component]
fn GeoPanel(geo: Resource<Result<GeoPaths, crate::AppError>>, save: ServerAction<SetGeoipDatabases>) -> impl IntoView {
    view! {
        <section class="panel" aria-label="GeoIP databases">
            <h2>"GeoIP and ASN databases"</h2>
            <p class="hint">"Paths on the server to MaxMind-format files (GeoLite2-City.mmdb, GeoLite2-ASN.mmdb). With them, alerts show where addresses are and users' sign-ins are checked for impossible travel. A replaced file is picked up without a restart."</p>
            <ActionOutcome result=save.value().into() success_text="Saved: alerts enriched from now on are placed with these databases."/>
            <Transition fallback=|| ()>
                {move || geo.get().map(|result| match result {
                    Ok((city, asn)) => view! {
                        <ActionForm action=save attr:class="row-form" attr:aria-label="GeoIP database paths">
                            <label>"City database " <input type="text" name="city_path" value=city.unwrap_or_default() placeholder="/var/lib/riposte/GeoLite2-City.mmdb"/></label>
                            <label>"ASN database " <input type="text" name="asn_path" value=asn.unwrap_or_default() placeholder="/var/lib/riposte/GeoLite2-ASN.mmdb"/></label>
                            <button type="submit">"Save paths"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Overview(o: ContextOverview) -> impl IntoView {
    view! {
        <p data-testid="context-counts">
            {o.assets} " assets · " {o.indicators} " indicators (" {o.live_indicators} " live)"
        </p>
        <p class="row-form">
            <a href="/context/assets">"Browse and edit the asset inventory"</a>
            <a href="/context/indicators">"Browse the watchlists"</a>
        </p>
        <div class="columns">
            <ImportForm
                title="Import assets"
                kind="assets"
                formats=&[("csv", "CSV"), ("json", "JSON")]
                named=false
                hint="Columns: name, addresses, owner, service, criticality (1–5), segment, internet_facing, tags, connectors."
                button="Import assets"
            />
            <ImportForm
                title="Import a watchlist"
                kind="indicators"
                formats=&[("csv", "CSV"), ("stix", "STIX 2.1 bundle"), ("misp", "MISP feed event")]
                named=true
                hint="CSV columns: type, value, and optionally source, confidence, tlp, expires, description. A MISP feed's manifest.json URL imports every event of the feed."
                button="Import watchlist"
            />
        </div>
        <h2>"Recent imports"</h2>
        <ImportTable imports=o.imports/>
    }
}

/// One upload form: a plain multipart POST to the import API, which sends the browser on to
/// the job's page. A file, or a URL the job fetches. `named` asks for the list or feed name
/// (watchlists).
#[component]
fn ImportForm(
    title: &'static str,
    kind: &'static str,
    formats: &'static [(&'static str, &'static str)],
    named: bool,
    hint: &'static str,
    button: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action="/api/v1/context/imports" enctype="multipart/form-data" class="card" aria-label=title>
            <h2>{title}</h2>
            <input type="hidden" name="kind" value=kind/>
            <label>"Format "
                <select name="format">
                    {formats.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                </select>
            </label>
            {named.then(|| view! {
                <label>"List or feed name "<input type="text" name="source" required maxlength="200"/></label>
            })}
            <label>"File "<input type="file" name="file"/></label>
            <label>"or fetch it from a URL "<input type="url" name="url" placeholder="https://feeds.example/list.csv"/></label>
            <p class="hint">{hint}</p>
            <button type="submit">{button}</button>
        </form>
    }
}

#[component]
fn ImportTable(imports: Vec<ImportView>) -> impl IntoView {
    if imports.is_empty() {
        return view! { <p class="muted">"No imports yet."</p> }.into_any();
    }
    view! {
        <table class="grid">
            <thead><tr><th>"When"</th><th>"What"</th><th>"File"</th><th>"By"</th><th>"Status"</th><th>"Rows"</th></tr></thead>
            <tbody>
                {imports.into_iter().map(|i| view! {
                    <tr>
                        <td class="mono"><a href=format!("/context/imports/{}", i.id)>{short_time(&i.requested_at)}</a></td>
                        <td>{i.kind.clone()} " · " {i.format.clone()} {(!i.source.is_empty()).then(|| format!(" · {}", i.source))}</td>
                        <td class="mono">{i.file_name.clone()}</td>
                        <td>{i.requested_by.clone()}</td>
                        <td>{i.status.clone()}</td>
                        <td>{progress_text(&i)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// "1,200 of 5,000" while running; what was stored or found wrong once finished.
pub fn progress_text(i: &ImportView) -> String {
    match (&i.report, i.total_rows) {
        (Some(r), _) if !r.errors.is_empty() => format!("{} bad of {} read", r.errors.len(), r.valid + r.errors.len()),
        (Some(r), _) => format!("{} stored, {} skipped", r.imported, r.skipped.len()),
        (None, Some(total)) => format!("{} of {}", i.done_rows, total),
        (None, None) => "reading…".to_owned(),
    }
}
