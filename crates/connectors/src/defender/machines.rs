//! Machine isolation. Defender's machine entity does not say whether a machine is isolated,
//! so the read-back is its isolation history: the machine's `Isolate` and `Unisolate`
//! actions, newest first. The newest that succeeded says whether it is isolated now; one
//! still pending or in progress is reported as such (an isolation pending is not in force
//! yet, a release pending leaves the machine isolated).

use std::time::Instant;

use serde_json::{Value, json};

use super::{Defender, id_text, odata_string};
use crate::defender::clock;
use crate::{ConnectorError, Order, Outcome};

/// A machine as Defender names it.
pub(super) struct Machine {
    id: String,
    name: String,
}

/// One isolate or unisolate action.
struct MachineAction {
    id: String,
    kind: String,
    status: String,
    created: String,
}

impl MachineAction {
    fn of(item: &Value) -> Option<MachineAction> {
        let text = |field: &str| item.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        Some(MachineAction {
            id: id_text(item)?,
            kind: text("type"),
            status: text("status"),
            created: text("creationDateTimeUtc"),
        })
    }

    fn running(&self) -> bool {
        matches!(self.status.as_str(), "Pending" | "InProgress")
    }

    fn evidence(&self) -> Value {
        json!({ "id": self.id, "type": self.kind, "status": self.status, "creationDateTimeUtc": self.created })
    }
}

/// A machine's isolation history, newest first.
pub(super) struct Isolation {
    machine: Machine,
    actions: Vec<MachineAction>,
}

impl Isolation {
    fn running(&self) -> Option<&MachineAction> {
        self.actions.iter().find(|a| a.running())
    }

    fn isolated(&self) -> bool {
        self.actions.iter().find(|a| a.status == "Succeeded").is_some_and(|a| a.kind == "Isolate")
    }

    pub(super) fn outcome(&self) -> Outcome {
        let name = &self.machine.name;
        let isolated = self.isolated();
        let (in_force, summary) = match self.running() {
            Some(a) if a.kind == "Isolate" && !isolated => {
                (false, format!("isolation of {name} is {} (action {}); verify again shortly", a.status, a.id))
            }
            Some(a) if a.kind == "Unisolate" && isolated => {
                (true, format!("release of {name} is {} (action {}); it is still isolated", a.status, a.id))
            }
            _ if isolated => (true, format!("{name} is isolated")),
            _ => match self.actions.first().filter(|a| a.kind == "Isolate" && a.status != "Succeeded") {
                Some(last) => {
                    (false, format!("{name} is not isolated (its last isolation, {}, ended {})", last.id, last.status))
                }
                None => (false, format!("{name} is not isolated")),
            },
        };
        let history: Vec<Value> = self.actions.iter().take(5).map(MachineAction::evidence).collect();
        let evidence = json!({ "machine_id": self.machine.id, "computerDnsName": name, "actions": history });
        Outcome::new(in_force, summary, evidence)
    }
}

impl Defender {
    pub(super) async fn isolate(&self, host: &str, order: &Order) -> Result<Outcome, ConnectorError> {
        let machine = self.find_machine(host).await?;
        let mut before = self.read_isolation(&machine).await?;
        let what = format!("isolate {} (action {})", machine.name, order.action_id);
        // Defender takes one request at a time: a release under way is waited for first
        // (whether it succeeds or not, the history read next says where the machine stands).
        if let Some(release) = before.running().filter(|a| a.kind == "Unisolate").map(|a| a.id.clone()) {
            match self.wait_for_action(&what, &release).await {
                Ok(()) | Err(ConnectorError::Refused { .. }) => {}
                Err(other) => return Err(other),
            }
            before = self.read_isolation(&machine).await?;
        }
        let waiting_for = match before.running() {
            Some(running) if running.kind == "Isolate" => Some(running.id.clone()),
            // A release still running after the wait: the read-back says so.
            Some(_) => None,
            None if before.isolated() => None,
            None => {
                let body = json!({
                    "Comment": format!("Riposte action {}: isolate {}", order.action_id, machine.name),
                    "IsolationType": self.isolation_type,
                });
                self.start_action(&what, &machine, "isolate", &body).await?
            }
        };
        if let Some(action_id) = waiting_for {
            self.wait_for_action(&what, &action_id).await?;
        }
        Ok(self.read_isolation(&machine).await?.outcome())
    }

    pub(super) async fn release(&self, host: &str, order: &Order) -> Result<Outcome, ConnectorError> {
        let machine = self.find_machine(host).await?;
        let before = self.read_isolation(&machine).await?;
        let what = format!("release {} (action {})", machine.name, order.action_id);
        let comment = format!("Riposte action {}: release {}", order.action_id, machine.name);
        let mut waiting_for = None;
        // An isolation not carried out yet is cancelled rather than left to happen later.
        if let Some(running) = before.running().filter(|a| a.kind == "Isolate") {
            let url = self.url(&format!("/api/machineactions/{}/cancel", running.id));
            self.post_json(&format!("cancel {} for {what}", running.id), &url, &json!({ "Comment": comment })).await?;
        }
        match before.running().filter(|a| a.kind == "Unisolate") {
            Some(running) => waiting_for = Some(running.id.clone()),
            None if before.isolated() => {
                waiting_for = self.start_action(&what, &machine, "unisolate", &json!({ "Comment": comment })).await?;
            }
            None => {}
        }
        if let Some(action_id) = waiting_for {
            self.wait_for_action(&what, &action_id).await?;
        }
        Ok(self.read_isolation(&machine).await?.outcome())
    }

    /// The machine `host` names: a 40-digit hex machine id, or its DNS name (exactly, else as
    /// the first label of a longer one). Of several records with the name, the one not
    /// inactive is taken; several active ones are for a person to tell apart.
    pub(super) async fn find_machine(&self, host: &str) -> Result<Machine, ConnectorError> {
        let what = format!("find machine {host}");
        if host.len() == 40 && host.chars().all(|c| c.is_ascii_hexdigit()) {
            let answer =
                self.get(&what, &self.url(&format!("/api/machines/{}", host.to_ascii_lowercase())), &[]).await?;
            return machine_of(&answer).ok_or_else(|| self.unexpected(&what, "the answer has no id"));
        }
        let name = host.to_ascii_lowercase();
        let exact = format!("computerDnsName eq {}", odata_string(&name));
        let mut found =
            self.values(&what, &self.get(&what, &self.url("/api/machines"), &[("$filter", &exact)]).await?)?;
        if found.is_empty() {
            let prefix = format!("startswith(computerDnsName,{})", odata_string(&format!("{name}.")));
            found = self.values(&what, &self.get(&what, &self.url("/api/machines"), &[("$filter", &prefix)]).await?)?;
        }
        if found.len() > 1 {
            found.retain(|m| m.get("healthStatus").and_then(Value::as_str) != Some("Inactive"));
        }
        match found.as_slice() {
            [one] => machine_of(one).ok_or_else(|| self.unexpected(&what, "the machine has no id")),
            [] => Err(self.refused(&what, format!("no machine named {host} in Defender (or only inactive ones)"))),
            several => {
                let ids: Vec<String> = several.iter().filter_map(id_text).collect();
                Err(self.refused(
                    &what,
                    format!("{} machines are named {host} ({}); isolate one by its id", ids.len(), ids.join(", ")),
                ))
            }
        }
    }

    pub(super) async fn read_isolation(&self, machine: &Machine) -> Result<Isolation, ConnectorError> {
        let what = format!("read isolation of {}", machine.name);
        let filter = format!("machineId eq {}", odata_string(&machine.id));
        let answer = self.get(&what, &self.url("/api/machineactions"), &[("$filter", &filter)]).await?;
        let mut actions: Vec<MachineAction> = self
            .values(&what, &answer)?
            .iter()
            .filter_map(MachineAction::of)
            .filter(|a| matches!(a.kind.as_str(), "Isolate" | "Unisolate"))
            .collect();
        actions.sort_by_key(|a| std::cmp::Reverse(time_key(&a.created)));
        Ok(Isolation { machine: Machine { id: machine.id.clone(), name: machine.name.clone() }, actions })
    }

    /// Asks for `isolate` or `unisolate`; the action to wait for. Defender refuses a second
    /// request while one runs (`ActiveRequestAlreadyExists`): that one is waited for instead.
    async fn start_action(
        &self,
        what: &str,
        machine: &Machine,
        verb: &str,
        body: &Value,
    ) -> Result<Option<String>, ConnectorError> {
        let url = self.url(&format!("/api/machines/{}/{verb}", machine.id));
        match self.post_json(what, &url, body).await {
            Ok(action) => {
                Ok(Some(id_text(&action).ok_or_else(|| self.unexpected(what, "the machine action has no id"))?))
            }
            Err(ConnectorError::Refused { detail, .. }) if detail.contains("ActiveRequestAlreadyExists") => {
                Ok(self.read_isolation(machine).await?.running().map(|a| a.id.clone()))
            }
            Err(other) => Err(other),
        }
    }

    /// Polls the action until it ends or the wait is over (then the read-back says pending).
    /// An action that failed, was cancelled or timed out is a refusal saying so.
    async fn wait_for_action(&self, what: &str, action_id: &str) -> Result<(), ConnectorError> {
        let deadline = Instant::now() + self.action_wait;
        let url = self.url(&format!("/api/machineactions/{action_id}"));
        let call = format!("poll machine action {action_id} for {what}");
        loop {
            let action = self.get(&call, &url, &[]).await?;
            let status = action.get("status").and_then(Value::as_str).unwrap_or_default();
            match status {
                "Succeeded" => return Ok(()),
                "Pending" | "InProgress" => {}
                _ => return Err(self.refused(what, ended(action_id, &action))),
            }
            if Instant::now() + self.poll_interval > deadline {
                return Ok(());
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }
}

fn machine_of(item: &Value) -> Option<Machine> {
    let id = id_text(item)?;
    let name = item.get("computerDnsName").and_then(Value::as_str).unwrap_or(&id).to_owned();
    Some(Machine { id, name })
}

/// Why an action ended without succeeding, from what Defender keeps of it.
fn ended(action_id: &str, action: &Value) -> String {
    let text = |field: &str| action.get(field).and_then(Value::as_str).filter(|t| !t.is_empty());
    let mut why = format!("machine action {action_id} ended {}", text("status").unwrap_or("without a status"));
    if let Some(code) = action.get("errorHResult").and_then(Value::as_i64).filter(|c| *c != 0) {
        why.push_str(&format!(" (errorHResult {code})"));
    }
    for field in ["title", "cancellationComment"] {
        if let Some(note) = text(field) {
            why.push_str(&format!(": {note}"));
        }
    }
    why
}

/// An action's creation time as a sortable key: whole seconds, then the fraction's digits
/// (Defender writes up to seven).
fn time_key(created: &str) -> (i64, u64) {
    let seconds = clock::parse_rfc3339(created).unwrap_or(i64::MIN);
    let fraction = created.split_once('.').map_or("", |(_, rest)| rest);
    let digits: String = fraction.chars().take_while(char::is_ascii_digit).take(9).collect();
    (seconds, format!("{digits:0<9}").parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_actions_sort_later_down_to_the_fraction() {
        let older = time_key("2025-03-01T10:00:00.9Z");
        let newer = time_key("2025-03-01T10:00:00.95Z");
        let newest = time_key("2025-03-01T10:00:01Z");
        assert!(older < newer && newer < newest, "{older:?} {newer:?} {newest:?}");
        assert!(time_key("garbage") < older);
    }

    #[test]
    fn a_failed_action_says_why() {
        let action = json!({ "status": "Failed", "errorHResult": -2147024891, "title": "Isolate device" });
        assert_eq!(ended("a1", &action), "machine action a1 ended Failed (errorHResult -2147024891): Isolate device");
    }
}
