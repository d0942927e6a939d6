//! `server serve`: opens the database, seeds demo users if asked, builds the router and
//! serves until SIGINT/SIGTERM, then drains requests and stops the embedded cluster.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use app::{App, shell};
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use riposte_backend::{AuthSettings, Backend};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::{GlobalOptions, ServeOptions};
use crate::database::{Database, Opener};
use crate::http::client_addr::{TrustForwardedFor, attach_client_addr};
use crate::http::cross_site::{AllowedOrigin, reject_cross_site};
use crate::http::live::{self, LiveHub};
use crate::http::{
    alert_rest, assets_api, context_api, eve_api, events_api, health, hec, indicators_api, native_api, openapi,
    security_headers, thehive,
};

/// Largest ingest request body; larger ones are answered 413.
const MAX_INGEST_BODY: usize = 32 * 1024 * 1024;

/// Shared by every handler.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    pub live: LiveHub,
}

pub async fn serve(global: &GlobalOptions, options: ServeOptions) -> anyhow::Result<()> {
    let database = Database::open(global, Opener::Server).await?;
    let settings = AuthSettings { throttle: options.throttle(), ..AuthSettings::default() };
    let syslog = options.syslog()?;
    let backend = Backend::with_ingest(database.pool.clone(), settings, options.ingest()).await?;
    if options.demo {
        let created = riposte_backend::demo::seed_demo_users(&backend).await?;
        super::demo_traffic::load_demo_context(&backend).await?;
        let alerts = super::demo_traffic::load_demo_traffic(&backend).await?;
        tracing::info!(accounts = created.len(), alerts, "demo accounts and traffic ready");
    }
    let resumed = riposte_backend::context_sources::resume_imports(&backend).await?;
    if resumed > 0 {
        tracing::info!(resumed, "context imports interrupted by the last stop started again");
    }
    let store = PostgresStore::new(database.pool.clone());
    let cleanup = tokio::spawn(store.clone().continuously_delete_expired(tokio::time::Duration::from_secs(300)));

    crate::syslog::start(backend.clone(), syslog).await?;
    let router = build_router(backend, &options, store);
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("listening on {}", options.listen))?;
    announce(&options, listener.local_addr()?);
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    tracing::info!("shutting down");
    cleanup.abort();
    database.shutdown().await
}

/// The whole HTTP surface. Tests drive it directly, without a socket.
pub fn build_router(backend: Backend, options: &ServeOptions, store: PostgresStore) -> Router {
    let leptos_options = leptos_options(options);
    let live = LiveHub::start(backend.pool.clone());
    let state = AppState { leptos_options: leptos_options.clone(), backend: backend.clone(), live };
    let provide_backend = {
        let backend = backend.clone();
        move || provide_context(backend.clone())
    };
    let sessions = SessionManagerLayer::new(store)
        .with_name("riposte_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(options.secure_cookies())
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(options.session_idle_minutes)));
    let allowed_origin = AllowedOrigin(options.public_url.as_ref().map(|url| url.trim_end_matches('/').to_owned()));

    let routes = route_list();
    let [nosniff, frames, referrer] = security_headers::layers();
    let pages = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/api/v1/alerts",
            post(native_api::create_alerts)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_INGEST_BODY))
                .get(alert_rest::list),
        )
        .route("/api/v1/alerts/{id}", get(native_api::get_alert).patch(alert_rest::update_status))
        .route("/api/v1/openapi.json", get(openapi::openapi))
        .route(
            "/api/v1/context/imports",
            post(context_api::create).layer(axum::extract::DefaultBodyLimit::max(context_api::MAX_IMPORT_BODY)),
        )
        .route("/api/v1/context/imports/{id}", get(context_api::show))
        .route("/api/v1/context/assets", get(assets_api::search).post(assets_api::create))
        .route("/api/v1/context/assets/{id}", get(assets_api::show).put(assets_api::update).delete(assets_api::delete))
        .route("/api/v1/context/indicators", get(indicators_api::search))
        .route("/api/v1/context/indicators/{id}", get(indicators_api::show).delete(indicators_api::delete))
        .route("/api/v1/stream/alerts", get(live::stream_alerts))
        .route("/api/v1/stream/incidents", get(live::stream_incidents))
        .route("/api/v1/stream/containment", get(live::stream_containment))
        .route("/api/v1/eve", post(eve_api::ingest_eve).layer(axum::extract::DefaultBodyLimit::max(MAX_INGEST_BODY)))
        .route(
            "/api/v1/events/{format}",
            post(events_api::ingest_events).layer(axum::extract::DefaultBodyLimit::max(MAX_INGEST_BODY)),
        )
        .merge(thehive::routes())
        .route("/services/collector", post(hec::event).layer(axum::extract::DefaultBodyLimit::max(MAX_INGEST_BODY)))
        .route(
            "/services/collector/event",
            post(hec::event).layer(axum::extract::DefaultBodyLimit::max(MAX_INGEST_BODY)),
        )
        .route("/services/collector/raw", post(hec::raw).layer(axum::extract::DefaultBodyLimit::max(MAX_INGEST_BODY)))
        .route("/services/collector/health", get(hec::health))
        .route("/services/collector/ack", post(hec::ack))
        .leptos_routes_with_context(&state, routes, provide_backend.clone(), {
            let leptos_options = leptos_options.clone();
            move || shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_backend, shell))
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    TrustForwardedFor(options.trust_forwarded_for),
                    attach_client_addr,
                ))
                .layer(axum::middleware::from_fn_with_state(allowed_origin, reject_cross_site))
                .layer(sessions),
        )
        .with_state(state);
    // The built wasm/JS/CSS are served outside the session layer: a page load would otherwise
    // read and re-save the session once for every asset file.
    let pkg_dir = std::path::Path::new(&*leptos_options.site_root).join(&*leptos_options.site_pkg_dir);
    pages.nest_service(&format!("/{}", leptos_options.site_pkg_dir), ServeDir::new(pkg_dir)).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(nosniff)
            .layer(frames)
            .layer(referrer),
    )
}

/// Every log line inside a request carries its id.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", request.id = %request_id, http.method = %request.method(), http.path = %request.uri().path())
}

fn leptos_options(options: &ServeOptions) -> LeptosOptions {
    let output_name: Arc<str> = std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "riposte".into()).into();
    LeptosOptions::builder()
        .output_name(output_name)
        .site_root(options.site_root.as_str())
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()).as_str())
        .site_addr(options.listen)
        .env(std::env::var("LEPTOS_ENV").unwrap_or_else(|_| "PROD".into()).as_str())
        .reload_port(std::env::var("LEPTOS_RELOAD_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3001))
        .build()
}

fn announce(options: &ServeOptions, addr: SocketAddr) {
    let url = options.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    tracing::info!(%url, "Riposte is listening");
    println!("\nRiposte is running: open {url}");
    if options.demo {
        println!("Demo sign-ins (password \"{}\" for each):", riposte_backend::demo::DEMO_PASSWORD);
        for role in riposte_domain::Role::ALL {
            println!("  {:<8} {}", role.as_str(), role.label());
        }
    }
    println!("Stop with Ctrl-C.\n");
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// The app's routes, generated once per process. While `generate_route_list` renders the app,
/// Leptos sets a process-wide "suppress resource loads" flag: a page rendered meanwhile by
/// another router in the same process (the tests build one per test, in parallel) would wait
/// forever on its resources.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}
