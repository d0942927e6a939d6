//! The HTML document and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::app_layout::AppLayout;
use crate::pages::{
    admin_page::AdminPage, alert_page::AlertPage, asset_edit_page::AssetEditPage, assets_page::AssetsPage,
    containment_page::ContainmentPage, containment_setup_page::ContainmentSetupPage,
    context_import_page::ContextImportPage, context_page::ContextPage, correlation_admin_page::CorrelationAdminPage,
    dashboards_page::DashboardsPage, escalation_admin_page::EscalationAdminPage, home_page::HomePage,
    incident_page::IncidentPage, incidents_page::IncidentsPage, indicators_page::IndicatorsPage,
    ingest_admin_page::IngestAdminPage, not_found_page::NotFoundPage, queue_page::QueuePage,
    scoring_admin_page::ScoringAdminPage, search_page::SearchPage, sign_in_page::SignInPage,
};

/// The full document rendered on the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Applies a saved theme before first paint; also wires the theme button.
                <script src="/theme.js"></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/riposte.css"/>
        <Title text="Riposte"/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/sign-in") view=SignInPage/>
                // Async: the page is complete before headers go out, so 403s and redirects decided
                // from the session reach the status line.
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") ssr=SsrMode::Async view=HomePage/>
                    <Route path=path!("/queue") ssr=SsrMode::Async view=QueuePage/>
                    <Route path=path!("/alerts/:id") ssr=SsrMode::Async view=AlertPage/>
                    <Route path=path!("/incidents") ssr=SsrMode::Async view=IncidentsPage/>
                    <Route path=path!("/incidents/:id") ssr=SsrMode::Async view=IncidentPage/>
                    <Route path=path!("/search") ssr=SsrMode::Async view=SearchPage/>
                    <Route path=path!("/containment") ssr=SsrMode::Async view=ContainmentPage/>
                    <Route path=path!("/dashboards") ssr=SsrMode::Async view=DashboardsPage/>
                    <Route path=path!("/admin") ssr=SsrMode::Async view=AdminPage/>
                    <Route path=path!("/admin/ingest") ssr=SsrMode::Async view=IngestAdminPage/>
                    <Route path=path!("/admin/correlation") ssr=SsrMode::Async view=CorrelationAdminPage/>
                    <Route path=path!("/admin/scoring") ssr=SsrMode::Async view=ScoringAdminPage/>
                    <Route path=path!("/admin/containment") ssr=SsrMode::Async view=ContainmentSetupPage/>
                    <Route path=path!("/admin/escalation") ssr=SsrMode::Async view=EscalationAdminPage/>
                    <Route path=path!("/context") ssr=SsrMode::Async view=ContextPage/>
                    <Route path=path!("/context/imports/:id") ssr=SsrMode::Async view=ContextImportPage/>
                    <Route path=path!("/context/assets") ssr=SsrMode::Async view=AssetsPage/>
                    <Route path=path!("/context/indicators") ssr=SsrMode::Async view=IndicatorsPage/>
                    <Route path=path!("/context/assets/:id") ssr=SsrMode::Async view=AssetEditPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
