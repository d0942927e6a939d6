//! The permission matrix's rows for containment: every server function, stream and page of
//! issue 6 with the permission it needs (kept apart so the matrix file stays readable).

use riposte_domain::Permission;

use crate::permission_matrix::{Access, Kind, Row};

pub(crate) const CONTAINMENT_ROWS: &[Row] = &[
    Row {
        kind: Kind::ServerFn,
        path: "/api/alert_contain_proposals",
        form: "alert_id=1",
        access: Access::Needs(Permission::RequestContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/containment_actions",
        form: "",
        access: Access::Needs(Permission::ViewContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/containment_action",
        form: "action_id=999",
        access: Access::Needs(Permission::ViewContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/contain_proposals",
        form: "incident_id=1",
        access: Access::Needs(Permission::RequestContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/request_containment",
        form: "kind=block&target=203.0.113.9&direction=both&ttl_secs=3600&connector=nope&reason=r&idempotency_key=m{n}",
        access: Access::Needs(Permission::RequestContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/approve_containment",
        form: "action_id=999",
        access: Access::Needs(Permission::ApproveContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/reject_containment",
        form: "action_id=999&reason=no",
        access: Access::Needs(Permission::ApproveContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/undo_containment",
        form: "action_id=999",
        access: Access::Needs(Permission::RequestContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/review_containment",
        form: "action_id=999",
        access: Access::Needs(Permission::RequestContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/noc_notices",
        form: "",
        access: Access::Needs(Permission::ViewContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/acknowledge_containment_notice",
        form: "notice_id=999",
        access: Access::Needs(Permission::AcknowledgeContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/object_containment_notice",
        form: "notice_id=999&objection=breaks+vpn",
        access: Access::Needs(Permission::AcknowledgeContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/containment_readiness",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_containment_connector",
        form: "name=m{n}&kind=webhook&config=%7B%22url%22%3A%22http%3A%2F%2F127.0.0.1%3A9%2F%22%7D&ranges=&management=",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/delete_containment_connector",
        form: "name=nope",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/check_containment_connector",
        form: "name=nope",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/containment_policies",
        form: "",
        access: Access::Needs(Permission::ViewContainment),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_containment_policy",
        form: "name=p{n}&condition=%7B%7D&kind=block&aim=source&connector=x&ttl_secs=3600&rate_cap_per_hour=1",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/delete_containment_policy",
        form: "name=nope",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/siem_outputs",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_siem_output",
        form: "name=o{n}&kind=syslog_udp&address=127.0.0.1%3A9",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/delete_siem_output",
        form: "name=nope",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/containment_notice_channels",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/containment_guard_rails",
        form: "",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_containment_guard_rails",
        form: "internal=10.0.0.0/8&broadest_v4=24&broadest_v6=48&critical_from=4&approver_roles=ir+admin&protected_tags=dns+gateway",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/protect_from_containment",
        form: "net=192.0.2.53&why=resolver",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/unprotect_from_containment",
        form: "net=192.0.2.99",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::ServerFn,
        path: "/api/save_containment_notice_channels",
        form: "channels=",
        access: Access::Needs(Permission::ManageSettings),
    },
    Row {
        kind: Kind::Stream,
        path: "/api/v1/stream/containment",
        form: "",
        access: Access::Needs(Permission::ViewContainment),
    },
    Row { kind: Kind::Page, path: "/admin/containment", form: "", access: Access::Needs(Permission::ManageSettings) },
];
