//! Every role (and an anonymous visitor) against every server function, endpoint and page.
//! The table must list every registered server function: adding one without a row here
//! fails `the_table_covers_every_server_function`.

use crate::permission_rows_containment::CONTAINMENT_ROWS;
use crate::support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::http::StatusCode;
use riposte_domain::{Permission, Role};
use support::TestApp;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users whose role holds the permission.
    Needs(Permission),
    /// Ingest tokens only: refused to every session.
    TokenOnly,
    /// Compatible APIs (TheHive, Splunk HEC) authenticate each request by its own header
    /// (a token, or Basic credentials) as their originals do: a session cookie is no
    /// credential there, so everyone without the header gets 401.
    HeaderCredentials,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A server function: POST, JSON reply, 401/403 on refusal.
    ServerFn,
    /// A page: GET as a browser; anonymous visitors are redirected to sign in.
    Page,
    /// A plain GET endpoint.
    Endpoint,
    /// A REST POST endpoint (401/403 on refusal, like a server function).
    ServerFnLike,
    /// A server-sent event stream: only its status is read (the body never ends).
    Stream,
    /// Any method with a JSON body `{}` (compatible APIs: PATCH, DELETE, ...).
    Rest(&'static str),
}

pub(crate) struct Row {
    pub(crate) kind: Kind,
    pub(crate) path: &'static str,
    /// `{target}` is replaced by a user id, `{n}` by a unique number.
    pub(crate) form: &'static str,
    pub(crate) access: Access,
}

const ROWS: &[Row] = &[
    Row { kind: Kind::ServerFn, path: "/api/current_session", form: "", access: Access::Public },
    Row {
        kind: Kind::ServerFn,
        path: "/api/sign_in",
        form: "username=matrix-signin&password=correct+horse+battery",
        access: Access::Public,
    },
    Row { kind: Kind::ServerFn, path: "/api/sign_out", form: "", access: Access::Public },
    Row { kind: Kind::ServerFn, path: "/api/list_users", form: "", access: Access::Needs(Permission::ManageUsers) },
    Row {
        kind: Kind::ServerFn,
        path: "/api/list_alerts",
        form: "source=ids&severity=high",
        access: Access::Needs(Permission::ViewQueue),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/get_alert_detail",
        form: "id=1",
        access: Access::Needs(Permission::ViewQueue),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/create_user",
        form: "username=made-{n}&display_name=&role=tier1&password=a+long+enough+password",
        access: Access::Needs(Permission::ManageUsers),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/change_user_role",
        form: "user_id={target}&role=tier2",
        access: Access::Needs(Permission::ManageUsers),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/set_user_disabled",
        form: "user_id={target}&disabled=false",
        access: Access::Needs(Permission::ManageUsers),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/reset_user_password",
        form: "user_id={target}&password=another+long+password",
        access: Access::Needs(Permission::ManageUsers),
    },
    Row { kind: Kind::ServerFn, path: "/api/list_tokens", form: "", access: Access::Needs(Permission::ManageSettings) },
    Row {
        kind: Kind::ServerFn,
        path: "/api/create_token",
        form: "name=matrix-{n}&source=matrix&ingest=on",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/revoke_token",
        form: "token_id=999999",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/list_storm_policies",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/set_storm_policy",
        form: "source=matrix-{n}&threshold=5&window_secs=60&group_by=src_ip",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/remove_storm_policy",
        form: "source=no-such-source",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/list_incidents",
        form: "queue=all",
        access: Access::Needs(Permission::ViewIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/get_incident",
        form: "id=999999",
        access: Access::Needs(Permission::ViewIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/update_incident",
        form: "id=999999&version=1&field=priority&value=P2",
        access: Access::Needs(Permission::EditIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/comment_incident",
        form: "id=999999&body=hello",
        access: Access::Needs(Permission::CommentIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/add_incident_task",
        form: "id=999999&title=check",
        access: Access::Needs(Permission::CommentIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/set_incident_task",
        form: "task_id=999999&done=true",
        access: Access::Needs(Permission::CommentIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/hand_off_incident",
        form: "id=999999&version=1&to=tier2&packet[summary]=s&packet[pending]=&packet[hypotheses]=&packet[next_actions]=n&packet[risks]=",
        access: Access::Needs(Permission::CommentIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/acknowledge_handoff",
        form: "handoff_id=999999",
        access: Access::Needs(Permission::ViewIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/merge_incident",
        form: "id=999998&into=999999",
        access: Access::Needs(Permission::EditIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/split_incident",
        form: "id=999999&alert_ids=1",
        access: Access::Needs(Permission::EditIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/unlink_incident_alert",
        form: "id=999999&alert_id=1",
        access: Access::Needs(Permission::EditIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/undo_incident_event",
        form: "event_id=999999",
        access: Access::Needs(Permission::EditIncidents),
    },
    Row { kind: Kind::ServerFn, path: "/api/list_notices", form: "", access: Access::SignedIn },
    Row { kind: Kind::ServerFn, path: "/api/mark_notice_read", form: "notice_id=999999", access: Access::SignedIn },
    Row {
        kind: Kind::ServerFn,
        path: "/api/search",
        form: "q=10.0.0.0%2F8",
        access: Access::Needs(Permission::ViewIncidents),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/get_correlation_settings",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/set_correlation_rule",
        form: "id=matrix-{n}&name=m&window_secs=60&join_on=host&enabled=on",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/remove_correlation_rule",
        form: "id=no-such-rule",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/add_correlation_exclusion",
        form: "kind=host&value=matrix-{n}&note=",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/remove_correlation_exclusion",
        form: "id=999999",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/set_correlation_frequency_cap",
        form: "max_frequency=500",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row { kind: Kind::ServerFnLike, path: "/api/v1/alerts", form: "", access: Access::TokenOnly },
    Row { kind: Kind::ServerFnLike, path: "/api/v1/eve", form: "", access: Access::TokenOnly },
    Row { kind: Kind::ServerFnLike, path: "/api/v1/events/windows", form: "", access: Access::TokenOnly },
    Row { kind: Kind::ServerFnLike, path: "/api/v1/events/syslog", form: "", access: Access::TokenOnly },
    Row { kind: Kind::Endpoint, path: "/api/status", form: "", access: Access::Public },
    Row { kind: Kind::Endpoint, path: "/api/v1/status", form: "", access: Access::Public },
    Row { kind: Kind::Rest("POST"), path: "/api/alert", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("GET"), path: "/api/alert/1", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("POST"), path: "/api/v1/alert", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("GET"), path: "/api/v1/alert/1", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("PATCH"), path: "/api/v1/alert/1", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("DELETE"), path: "/api/v1/alert/1", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("POST"), path: "/api/v1/alert/1/observable", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("POST"), path: "/api/v1/query", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("POST"), path: "/services/collector", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("POST"), path: "/services/collector/event", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("POST"), path: "/services/collector/raw", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Rest("POST"), path: "/services/collector/ack", form: "", access: Access::HeaderCredentials },
    Row { kind: Kind::Endpoint, path: "/services/collector/health", form: "", access: Access::Public },
    Row {
        kind: Kind::Endpoint,
        path: "/api/v1/context/assets",
        form: "",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::Rest("DELETE"),
        path: "/api/v1/context/assets/999?version=1",
        form: "",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::Endpoint,
        path: "/api/v1/context/indicators?q=10.0.0.1&kind=ip",
        form: "",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::Endpoint,
        path: "/api/v1/context/indicators/999",
        form: "",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::Rest("DELETE"),
        path: "/api/v1/context/indicators/999",
        form: "",
        access: Access::Needs(Permission::ManageContext),
    },
    Row { kind: Kind::Endpoint, path: "/api/v1/alerts/1", form: "", access: Access::Needs(Permission::ViewQueue) },
    Row {
        kind: Kind::Endpoint,
        path: "/api/v1/alerts?severity=high",
        form: "",
        access: Access::Needs(Permission::ViewQueue),
    },
    Row { kind: Kind::Endpoint, path: "/api/v1/openapi.json", form: "", access: Access::Public },
    Row { kind: Kind::Stream, path: "/api/v1/stream/alerts", form: "", access: Access::Needs(Permission::ViewQueue) },
    Row {
        kind: Kind::Stream,
        path: "/api/v1/stream/incidents",
        form: "",
        access: Access::Needs(Permission::ViewIncidents),
    },
    Row { kind: Kind::Endpoint, path: "/healthz", form: "", access: Access::Public },
    Row { kind: Kind::Endpoint, path: "/readyz", form: "", access: Access::Public },
    Row { kind: Kind::Page, path: "/sign-in", form: "", access: Access::Public },
    Row { kind: Kind::Page, path: "/", form: "", access: Access::SignedIn },
    Row { kind: Kind::Page, path: "/queue", form: "", access: Access::Needs(Permission::ViewQueue) },
    Row { kind: Kind::Page, path: "/alerts/1", form: "", access: Access::Needs(Permission::ViewQueue) },
    Row { kind: Kind::Page, path: "/incidents", form: "", access: Access::Needs(Permission::ViewIncidents) },
    Row { kind: Kind::Page, path: "/incidents/1", form: "", access: Access::Needs(Permission::ViewIncidents) },
    Row { kind: Kind::Page, path: "/search?q=dc01", form: "", access: Access::Needs(Permission::ViewIncidents) },
    Row { kind: Kind::Page, path: "/containment", form: "", access: Access::Needs(Permission::ViewContainment) },
    Row { kind: Kind::Page, path: "/dashboards", form: "", access: Access::Needs(Permission::ViewDashboards) },
    Row { kind: Kind::Page, path: "/admin", form: "", access: Access::Needs(Permission::ManageUsers) },
    Row { kind: Kind::Page, path: "/admin/ingest", form: "", access: Access::Needs(Permission::ManageSettings) },
    Row { kind: Kind::Page, path: "/admin/correlation", form: "", access: Access::Needs(Permission::ManageSettings) },
    Row { kind: Kind::Page, path: "/context", form: "", access: Access::Needs(Permission::ManageContext) },
    Row { kind: Kind::Page, path: "/admin/scoring", form: "", access: Access::Needs(Permission::ManageSettings) },
    Row {
        kind: Kind::ServerFn,
        path: "/api/get_score_weights",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/set_score_weights",
        form: "weights[sev_info]=0.1&weights[sev_low]=0.3&weights[sev_medium]=0.5&weights[sev_high]=0.8&weights[sev_critical]=1&weights[unknown_criticality]=3&weights[internal]=0.8&weights[unknown_exposure]=0.9&weights[no_intel]=0.7&weights[default_precision]=1",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/backtest_score_weights",
        form: "weights[sev_info]=0.1&weights[sev_low]=0.3&weights[sev_medium]=0.5&weights[sev_high]=0.8&weights[sev_critical]=1&weights[unknown_criticality]=3&weights[internal]=0.8&weights[unknown_exposure]=0.9&weights[no_intel]=0.7&weights[default_precision]=1&days=30",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/geoip_databases",
        form: "",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/set_geoip_databases",
        form: "city_path=%2Fno%2Fsuch.mmdb&asn_path=",
        access: Access::Needs(Permission::ManageContext),
    },
    Row { kind: Kind::Page, path: "/context/assets", form: "", access: Access::Needs(Permission::ManageContext) },
    Row { kind: Kind::Page, path: "/context/assets/new", form: "", access: Access::Needs(Permission::ManageContext) },
    Row { kind: Kind::Page, path: "/context/indicators", form: "", access: Access::Needs(Permission::ManageContext) },
    Row {
        kind: Kind::ServerFn,
        path: "/api/search_indicators",
        form: "q=&kind=nonsense&source=&offset=0",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/delete_indicator",
        form: "id=999&back=%2Fcontext%2Findicators",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/search_assets",
        form: "q=&offset=0",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/get_asset",
        form: "id=999",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_asset",
        form: "id=0&version=0&asset[name]=&asset[addresses]=&asset[criticality]=9&asset[owner]=&asset[service]=&asset[segment]=&asset[tags]=&asset[connectors]=",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/delete_asset",
        form: "id=999&version=1",
        access: Access::Needs(Permission::ManageContext),
    },
    Row { kind: Kind::ServerFn, path: "/api/sla_targets", form: "", access: Access::Needs(Permission::ViewIncidents) },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_sla_target",
        form: "priority=4&ack_minutes=0&contain_minutes=0",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row { kind: Kind::Page, path: "/admin/escalation", form: "", access: Access::Needs(Permission::ManageSettings) },
    Row {
        kind: Kind::ServerFn,
        path: "/api/escalation_rules",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/check_escalation_rules",
        form: "text=%5B%5Brule%5D%5D",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_escalation_rules",
        form: "base=999&text=&comment=matrix",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/notification_channels",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/put_notification_channel",
        form: "name=matrix&kind=webhook&url=not-a-url",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/delete_notification_channel",
        form: "name=nobody",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/test_notification_channel",
        form: "name=nobody",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/get_context_overview",
        form: "",
        access: Access::Needs(Permission::ManageContext),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/get_context_import",
        form: "id=999999",
        access: Access::Needs(Permission::ManageContext),
    },
];

#[test]
fn the_table_covers_every_server_function() {
    let registered: BTreeSet<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    let listed: BTreeSet<String> = ROWS
        .iter()
        .chain(CONTAINMENT_ROWS)
        .filter(|r| matches!(r.kind, Kind::ServerFn))
        .map(|r| r.path.to_owned())
        .collect();
    assert!(!registered.is_empty(), "server functions are registered");
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(missing.is_empty(), "add these server functions to the matrix: {missing:?}");
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(stale.is_empty(), "these rows name no server function: {stale:?}");
}

#[tokio::test]
async fn every_role_against_every_endpoint() {
    let app = TestApp::new().await;
    let target = app.create_user("matrix-target", Role::Tier1).await;
    app.create_user("matrix-signin", Role::Tier1).await;
    for role in Role::ALL {
        app.create_user(&format!("as-{role}"), role).await;
    }
    let counter = AtomicU32::new(0);
    let mut failures = Vec::new();
    for row in ROWS.iter().chain(CONTAINMENT_ROWS) {
        for caller in std::iter::once(None).chain(Role::ALL.map(Some)) {
            let form = row
                .form
                .replace("{target}", &target.to_string())
                .replace("{n}", &counter.fetch_add(1, Ordering::Relaxed).to_string());
            // A fresh session per call: sign_out and password resets must not leak into others.
            let cookie = match caller {
                Some(role) => Some(app.sign_in(&format!("as-{role}")).await),
                None => None,
            };
            let reply = match row.kind {
                Kind::ServerFn | Kind::ServerFnLike => app.call(row.path, &form, cookie.as_deref()).await,
                Kind::Page | Kind::Endpoint => app.page(row.path, cookie.as_deref()).await,
                Kind::Stream => app.head_of(row.path, cookie.as_deref()).await,
                Kind::Rest(method) => app.with_cookie(method, row.path, cookie.as_deref()).await,
            };
            let allowed = match (row.access, caller) {
                (Access::Public, _) => true,
                (_, None) | (Access::TokenOnly | Access::HeaderCredentials, _) => false,
                (Access::SignedIn, Some(_)) => true,
                (Access::Needs(permission), Some(role)) => role.can(permission),
            };
            let expected_refusal = match (row.kind, caller) {
                _ if matches!(row.access, Access::HeaderCredentials) => StatusCode::UNAUTHORIZED,
                (Kind::Page, None) => StatusCode::FOUND,
                (_, None) => StatusCode::UNAUTHORIZED,
                (_, Some(_)) => StatusCode::FORBIDDEN,
            };
            let ok = if allowed {
                reply.status != StatusCode::UNAUTHORIZED
                    && reply.status != StatusCode::FORBIDDEN
                    && !reply.status.is_server_error()
                    && !(matches!(row.kind, Kind::Page) && reply.header("location") == Some("/sign-in"))
            } else {
                reply.status == expected_refusal
            };
            if !ok {
                let who = caller.map_or("anonymous".to_owned(), |r| r.to_string());
                failures.push(format!(
                    "{who} {} -> {} (allowed: {allowed}) {}",
                    row.path,
                    reply.status,
                    reply.body.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} unexpected outcomes:\n{}", failures.len(), failures.join("\n"));
}
