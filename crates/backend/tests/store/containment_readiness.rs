//! What containment can reach, against a real PostgreSQL: the readiness page's coverage
//! (by the inventory's connector list or a connector's ranges; switched-off connectors cover
//! nothing) with every asset no connector can act on flagged, and the Contain panel's
//! proposals preferring the connector the inventory names over one whose ranges merely cover.

use riposte_backend::admin::Actor;
use riposte_backend::containment::propose::alert_proposals;
use riposte_backend::containment::readiness::readiness;
use riposte_domain::Role;
use riposte_testkit::TestDb;

use crate::containment::{AssetExtra, add_asset, add_connector, quiet_backend};
use crate::incidents::{send, user};

async fn asset(db: &TestDb, name: &str, address: &str, criticality: i16, segment: &str, connectors: &[&str]) {
    add_asset(db, name, address, criticality, AssetExtra { segment, connectors, ..AssetExtra::default() }).await;
}

#[tokio::test]
async fn coverage_counts_what_some_enabled_connector_can_act_on_and_flags_the_rest() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "dmz-fw", "http://127.0.0.1:9/", &["10.1.0.0/16"]).await;
    add_connector(&db, "edr", "http://127.0.0.1:9/", &["192.0.2.0/24"]).await;
    add_connector(&db, "old-fw", "http://127.0.0.1:9/", &["10.9.0.0/16"]).await;
    sqlx::query("update containment_connector set enabled = false where name = 'old-fw'")
        .execute(&db.pool)
        .await
        .expect("switch off");
    asset(&db, "web01", "10.1.0.10", 5, "dmz", &[]).await; // in dmz-fw's ranges
    asset(&db, "pay01", "10.5.0.10", 5, "pci", &["edr"]).await; // listed for the EDR
    asset(&db, "hr01", "10.9.0.10", 4, "office", &[]).await; // only a switched-off connector
    asset(&db, "printer", "10.7.0.7", 1, "office", &[]).await; // nothing at all

    let r = readiness(&backend, Actor::CommandLine).await.expect("readiness");
    assert_eq!((r.critical_assets, r.critical_covered), (3, 2));
    assert_eq!(format!("{:.0}", r.coverage_percent()), "67");
    assert_eq!((r.assets, r.assets_uncovered), (4, 2));
    let flagged: Vec<(&str, i16)> = r.uncovered.iter().map(|a| (a.name.as_str(), a.criticality)).collect();
    assert_eq!(flagged, [("hr01", 4), ("printer", 1)], "every asset without an API, most critical first");
    let dmz = r.connectors.iter().find(|c| c.name == "dmz-fw").expect("dmz-fw");
    assert_eq!((dmz.assets, dmz.segments.clone()), (1, vec!["dmz".to_owned()]));
    let edr = r.connectors.iter().find(|c| c.name == "edr").expect("edr");
    assert_eq!((edr.assets, edr.segments.clone()), (1, vec!["pci".to_owned()]));

    let analyst = user(&backend, "tina", Role::Tier2).await;
    let refused = readiness(&backend, Actor::User(&analyst)).await;
    assert!(refused.is_err(), "administrators only");
}

#[tokio::test]
async fn proposals_take_the_inventorys_connector_over_ranges_that_merely_cover() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "core-fw", "http://127.0.0.1:9/", &["10.0.0.0/8"]).await;
    add_connector(&db, "pay-edr", "http://127.0.0.1:9/", &["192.0.2.0/24"]).await;
    add_connector(&db, "perimeter", "http://127.0.0.1:9/", &[]).await;
    asset(&db, "pay01", "10.5.0.10", 5, "pci", &["pay-edr"]).await;
    let analyst = user(&backend, "tina", Role::Tier2).await;
    let alert = r#"{"title":"Beacon","severity":"high","source_ref":"r1","entities":[
        {"kind":"ip","value":"10.5.0.10","role":"source"},{"kind":"ip","value":"10.6.0.6","role":"source"},
        {"kind":"ip","value":"203.0.113.9","role":"destination"}]}"#;
    let ids = send(&db, &backend, "ids", &[alert]).await;

    let (_, proposals) = alert_proposals(&backend, &analyst, ids[0]).await.expect("proposals");
    let offered = |target: &str| -> Vec<(String, String)> {
        proposals.iter().filter(|p| p.target == target).map(|p| (p.connector.clone(), p.because.clone())).collect()
    };
    assert_eq!(offered("10.5.0.10"), [("pay-edr".to_owned(), "the inventory lists it for pay01".to_owned())]);
    // Not in the inventory: every connector whose ranges hold it, and the one that acts anywhere.
    assert_eq!(
        offered("10.6.0.6"),
        [
            ("core-fw".to_owned(), "covers 10.6.0.6/32".to_owned()),
            ("perimeter".to_owned(), "acts on any address".to_owned())
        ]
    );
    let outside = offered("203.0.113.9");
    assert_eq!(outside, [("perimeter".to_owned(), "acts on any address".to_owned())]);
    let block = proposals.iter().find(|p| p.target == "203.0.113.9").expect("block");
    assert_eq!(block.kinds.first().map(String::as_str), Some("block"), "the proposal's own kind first");
    assert!(block.directions.contains(&"inbound".to_owned()), "a webhook device blocks one way");
}
