//! Blocking an address with an `IpAddress` indicator that expires with the action. Defender
//! keeps one indicator per value (a POST for a value it holds updates it). Riposte's are
//! known by their title (`Riposte action N: ...`); an undo deletes only those, so an
//! analyst's own block stays (and the read-back then says the address is still blocked).

use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};

use super::{Defender, id_text, odata_string};
use crate::defender::clock;
use crate::{ConnectorError, Order, Outcome};

const TITLE_PREFIX: &str = "Riposte action ";
/// The indicator actions that stop traffic to the address.
const BLOCKING: [&str; 3] = ["Block", "AlertAndBlock", "BlockAndRemediate"];

/// Indicators hold single addresses: the address of a /32 (or /128), none for a range.
pub(super) fn single_address(network: &Network) -> Option<String> {
    let text = network.to_string();
    let (address, len) = text.split_once('/')?;
    let full = if network.family == 4 { "32" } else { "128" };
    (len == full).then(|| address.to_owned())
}

/// The indicators Defender holds for one address.
pub(super) struct Indicators {
    value: String,
    entries: Vec<Value>,
}

impl Indicators {
    fn field<'a>(entry: &'a Value, name: &str) -> &'a str {
        entry.get(name).and_then(Value::as_str).unwrap_or_default()
    }

    fn ours(entry: &Value) -> bool {
        Indicators::field(entry, "title").starts_with(TITLE_PREFIX)
    }

    /// Blocking, and its expiry (when it has one) still ahead.
    fn blocks(entry: &Value) -> bool {
        let ahead = match entry.get("expirationTime").and_then(Value::as_str).filter(|e| !e.is_empty()) {
            Some(expiration) => clock::parse_rfc3339(expiration).is_none_or(|at| at > clock::now_unix()),
            None => true,
        };
        ahead && BLOCKING.contains(&Indicators::field(entry, "action"))
    }

    fn blocking(&self) -> Option<&Value> {
        self.entries.iter().find(|e| Indicators::blocks(e))
    }

    fn ids(&self, keep: impl Fn(&Value) -> bool) -> Vec<String> {
        self.entries.iter().filter(|e| keep(e)).filter_map(id_text).collect()
    }

    pub(super) fn outcome(&self) -> Outcome {
        let listed: Vec<Value> = self
            .entries
            .iter()
            .map(|e| json!({ "id": e.get("id"), "action": e.get("action"), "expirationTime": e.get("expirationTime"), "title": e.get("title") }))
            .collect();
        let evidence = json!({ "indicatorValue": self.value, "indicators": listed });
        let id = |entry: &Value| id_text(entry).unwrap_or_default();
        match self.blocking() {
            Some(entry) if Indicators::ours(entry) => {
                let until = entry.get("expirationTime").and_then(Value::as_str).unwrap_or("no expiry");
                Outcome::new(true, format!("indicator {} blocks {} until {until}", id(entry), self.value), evidence)
            }
            Some(entry) => Outcome::new(
                true,
                format!("{} is blocked by indicator {}, which Riposte did not create", self.value, id(entry)),
                evidence,
            ),
            None => Outcome::new(false, format!("no live indicator blocks {}", self.value), evidence),
        }
    }
}

impl Defender {
    pub(super) async fn block(&self, address: &str, order: &Order) -> Result<Outcome, ConnectorError> {
        let indicators = self.read_indicators(address).await?;
        if indicators.blocking().is_none() {
            // Posting would overwrite someone else's indicator (an allow, an audit): a person
            // settles that. A stale one of Riposte's is simply updated by the post.
            let others = indicators.ids(|e| !Indicators::ours(e));
            if !others.is_empty() {
                return Err(ConnectorError::Conflict {
                    device: self.device().to_owned(),
                    detail: format!(
                        "block: indicator {} already covers {address} without blocking it",
                        others.join(", ")
                    ),
                });
            }
            let what = format!("submit indicator (action {})", order.action_id);
            let body = json!({
                "indicatorValue": address,
                "indicatorType": "IpAddress",
                "action": "Block",
                "expirationTime": clock::rfc3339_after(order.ttl_secs),
                "title": format!("{TITLE_PREFIX}{}: block {address}", order.action_id),
                "description": format!("Blocked by Riposte containment action {} for {} s", order.action_id, order.ttl_secs),
                "severity": self.severity,
            });
            self.post_json(&what, &self.url("/api/indicators"), &body).await?;
        }
        Ok(self.read_indicators(address).await?.outcome())
    }

    pub(super) async fn unblock(&self, address: &str, order: &Order) -> Result<Outcome, ConnectorError> {
        for id in self.read_indicators(address).await?.ids(Indicators::ours) {
            let what = format!("delete indicator {id} (action {})", order.action_id);
            let url = self.url(&format!("/api/indicators/{id}"));
            match self.tokens.send(&what, |client| client.delete(&url)).await {
                // Gone already (expired and swept, or deleted by hand): what an undo wants.
                Err(ConnectorError::Refused { detail, .. }) if detail.contains("404") => {}
                other => {
                    other?;
                }
            }
        }
        Ok(self.read_indicators(address).await?.outcome())
    }

    pub(super) async fn read_indicators(&self, address: &str) -> Result<Indicators, ConnectorError> {
        let what = format!("read indicators of {address}");
        let filter = format!("indicatorValue eq {}", odata_string(address));
        let answer = self.get(&what, &self.url("/api/indicators"), &[("$filter", &filter)]).await?;
        let entries = self.values(&what, &answer)?;
        Ok(Indicators { value: address.to_owned(), entries })
    }
}
