//! Blocking an address with a custom IOC (`prevent`, expiring with the action's time to
//! live). Riposte marks its IOCs with `source: riposte`; an undo deletes only those, so an
//! analyst's own IOC for the same address stays (and the read-back then says it still
//! blocks).

use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};

use super::{Falcon, fql_string};
use crate::defender::clock;
use crate::{ConnectorError, Order, Outcome};

/// What Riposte writes into `source` to know its own IOCs.
const SOURCE: &str = "riposte";
/// The IOC actions that stop traffic to and from the address.
const BLOCKING: [&str; 2] = ["prevent", "prevent_no_ui"];

/// One address as an IOC names it.
pub(super) struct Address {
    kind: &'static str,
    value: String,
}

impl Address {
    /// IOCs hold single addresses: a /32 (or /128) only.
    pub(super) fn of(network: &Network) -> Option<Address> {
        let text = network.to_string();
        let (address, len) = text.split_once('/')?;
        let (kind, full) = if network.family == 4 { ("ipv4", "32") } else { ("ipv6", "128") };
        (len == full).then(|| Address { kind, value: address.to_owned() })
    }

    fn filter(&self) -> String {
        format!("type:{}+value:{}", fql_string(self.kind), fql_string(&self.value))
    }
}

/// The IOCs Falcon holds for one address.
pub(super) struct Iocs {
    value: String,
    entries: Vec<Value>,
}

impl Iocs {
    fn field<'a>(entry: &'a Value, name: &str) -> &'a str {
        entry.get(name).and_then(Value::as_str).unwrap_or_default()
    }

    fn ours(entry: &Value) -> bool {
        Iocs::field(entry, "source") == SOURCE
    }

    /// Not expired, not deleted, and (when it has one) its expiration still ahead.
    fn live(entry: &Value) -> bool {
        let flag = |name: &str| entry.get(name).and_then(Value::as_bool).unwrap_or(false);
        let ahead = match entry.get("expiration").and_then(Value::as_str).filter(|e| !e.is_empty()) {
            Some(expiration) => clock::parse_rfc3339(expiration).is_none_or(|at| at > clock::now_unix()),
            None => true,
        };
        !flag("expired") && !flag("deleted") && ahead
    }

    fn blocking(&self) -> Option<&Value> {
        self.entries.iter().find(|e| Iocs::live(e) && BLOCKING.contains(&Iocs::field(e, "action")))
    }

    fn ids(&self, keep: impl Fn(&Value) -> bool) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| keep(e))
            .map(|e| Iocs::field(e, "id").to_owned())
            .filter(|id| !id.is_empty())
            .collect()
    }

    pub(super) fn outcome(&self) -> Outcome {
        let evidence: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                json!({
                    "id": e.get("id"), "action": e.get("action"), "expiration": e.get("expiration"),
                    "source": e.get("source"), "expired": e.get("expired"),
                })
            })
            .collect();
        let evidence = json!({ "value": self.value, "iocs": evidence });
        match self.blocking() {
            Some(ioc) if Iocs::ours(ioc) => {
                let until = ioc.get("expiration").and_then(Value::as_str).unwrap_or("no expiry");
                Outcome::new(
                    true,
                    format!("IOC {} prevents {} until {until}", Iocs::field(ioc, "id"), self.value),
                    evidence,
                )
            }
            Some(ioc) => Outcome::new(
                true,
                format!("{} is prevented by IOC {}, which Riposte did not create", self.value, Iocs::field(ioc, "id")),
                evidence,
            ),
            None => Outcome::new(false, format!("no live IOC prevents {}", self.value), evidence),
        }
    }
}

impl Falcon {
    pub(super) async fn block(&self, address: &Address, order: &Order) -> Result<Outcome, ConnectorError> {
        let iocs = self.read_iocs(address).await?;
        if iocs.blocking().is_none() {
            // Falcon keeps one IOC per type and value: a stale one of ours goes first; anyone
            // else's (an allow, a detect) is for a person to settle.
            let others = iocs.ids(|e| !Iocs::ours(e));
            if !others.is_empty() {
                return Err(ConnectorError::Conflict {
                    device: self.device().to_owned(),
                    detail: format!(
                        "block: IOC {} already covers {} without preventing it",
                        others.join(", "),
                        address.value
                    ),
                });
            }
            let stale = iocs.ids(|_| true);
            if !stale.is_empty() {
                self.delete_iocs(&stale, order).await?;
            }
            self.create_ioc(address, order).await?;
        }
        Ok(self.read_iocs(address).await?.outcome())
    }

    pub(super) async fn unblock(&self, address: &Address, order: &Order) -> Result<Outcome, ConnectorError> {
        let ours = self.read_iocs(address).await?.ids(Iocs::ours);
        if !ours.is_empty() {
            self.delete_iocs(&ours, order).await?;
        }
        Ok(self.read_iocs(address).await?.outcome())
    }

    pub(super) async fn read_iocs(&self, address: &Address) -> Result<Iocs, ConnectorError> {
        const WHAT: &str = "read IOCs";
        let filter = address.filter();
        let answer = self.get(WHAT, &self.url("/iocs/combined/indicator/v1"), &[("filter", &filter)]).await?;
        Ok(Iocs { value: address.value.clone(), entries: self.resources(WHAT, &answer)? })
    }

    async fn create_ioc(&self, address: &Address, order: &Order) -> Result<(), ConnectorError> {
        let what = format!("create IOC (action {})", order.action_id);
        let body = json!({
            "comment": format!("riposte action {}", order.action_id),
            "indicators": [{
                "action": "prevent",
                "description": format!("Riposte action {}: block {}", order.action_id, address.value),
                "severity": self.severity,
                "type": address.kind,
                "value": address.value,
                "applied_globally": true,
                "platforms": self.platforms,
                "expiration": clock::rfc3339_after(order.ttl_secs),
                "source": SOURCE,
            }],
        });
        let answer = self.post_json(&what, &self.url("/iocs/entities/indicators/v1"), &[], &body).await?;
        // A batch answer can be 2xx with the one indicator refused inside it.
        for item in self.resources(&what, &answer)? {
            if item.get("message_type").and_then(Value::as_str) == Some("error") {
                let message = item.get("message").and_then(Value::as_str).unwrap_or("refused");
                return Err(self.refused(&what, message));
            }
        }
        Ok(())
    }

    async fn delete_iocs(&self, ids: &[String], order: &Order) -> Result<(), ConnectorError> {
        let what = format!("delete IOC {} (action {})", ids.join(", "), order.action_id);
        let comment = format!("riposte action {} undone", order.action_id);
        let mut query: Vec<(&str, &str)> = ids.iter().map(|id| ("ids", id.as_str())).collect();
        query.push(("comment", &comment));
        let url = self.url("/iocs/entities/indicators/v1");
        let reply = self.tokens.send(&what, |client| client.delete(&url).query(&query)).await?;
        if !reply.body.trim().is_empty() {
            self.resources(&what, &reply.json(self.device(), &what)?)?;
        }
        Ok(())
    }
}
