//! Network containment of one host: found by its name (or taken as a device id), contained or
//! released unless it already is, and read back from the device's `status`.

use serde_json::{Value, json};

use super::{Falcon, fql_string};
use crate::{ConnectorError, Order, Outcome};

/// A device's containment as Falcon reports it.
pub(super) struct Containment {
    device_id: String,
    hostname: String,
    status: String,
}

impl Containment {
    fn holds(&self) -> bool {
        matches!(self.status.as_str(), "contained" | "containment_pending")
    }

    fn released(&self) -> bool {
        matches!(self.status.as_str(), "normal" | "lift_containment_pending")
    }

    /// In force only once the sensor confirms it: a pending containment is not verified yet,
    /// and a pending release still holds the host.
    pub(super) fn outcome(&self) -> Outcome {
        let Containment { device_id, hostname, status } = self;
        let (in_force, summary) = match status.as_str() {
            "contained" => (true, format!("{hostname} is contained")),
            "containment_pending" => (false, format!("containment of {hostname} is pending; verify again shortly")),
            "lift_containment_pending" => (true, format!("release of {hostname} is pending; it is still contained")),
            "normal" => (false, format!("{hostname} is not contained")),
            other => (false, format!("{hostname} reports status {other:?}")),
        };
        Outcome::new(in_force, summary, json!({ "device_id": device_id, "hostname": hostname, "status": status }))
    }
}

impl Falcon {
    pub(super) async fn contain(&self, host: &str, order: &Order) -> Result<Outcome, ConnectorError> {
        let device_id = self.find_device(host).await?;
        if !self.read_device(&device_id).await?.holds() {
            self.device_action("contain", &device_id, order).await?;
        }
        Ok(self.read_device(&device_id).await?.outcome())
    }

    pub(super) async fn lift(&self, host: &str, order: &Order) -> Result<Outcome, ConnectorError> {
        let device_id = self.find_device(host).await?;
        if !self.read_device(&device_id).await?.released() {
            self.device_action("lift_containment", &device_id, order).await?;
        }
        Ok(self.read_device(&device_id).await?.outcome())
    }

    /// The device id of `host`: a host name is looked up (exactly one device must carry it);
    /// a 32-digit hex id is checked to exist.
    pub(super) async fn find_device(&self, host: &str) -> Result<String, ConnectorError> {
        const WHAT: &str = "find host";
        let filter = if is_device_id(host) {
            format!("device_id:{}", fql_string(&host.to_ascii_lowercase()))
        } else {
            format!("hostname:{}", fql_string(host))
        };
        let answer = self.get(WHAT, &self.url("/devices/queries/devices/v1"), &[("filter", &filter)]).await?;
        let ids: Vec<String> =
            self.resources(WHAT, &answer)?.iter().filter_map(|id| id.as_str().map(str::to_owned)).collect();
        match ids.as_slice() {
            [id] => Ok(id.clone()),
            [] => Err(self.refused(WHAT, format!("no host named {host} in Falcon"))),
            several => Err(self.refused(
                WHAT,
                format!(
                    "{} hosts are named {host} ({}); isolate one by its device id",
                    several.len(),
                    several.join(", ")
                ),
            )),
        }
    }

    pub(super) async fn read_device(&self, device_id: &str) -> Result<Containment, ConnectorError> {
        const WHAT: &str = "read host";
        let answer = self.get(WHAT, &self.url("/devices/entities/devices/v2"), &[("ids", device_id)]).await?;
        let resources = self.resources(WHAT, &answer)?;
        let device = resources
            .iter()
            .find(|d| d.get("device_id").and_then(Value::as_str) == Some(device_id))
            .ok_or_else(|| self.refused(WHAT, format!("device {device_id} is gone from Falcon")))?;
        let text = |field: &str| device.get(field).and_then(Value::as_str).map(str::to_owned);
        Ok(Containment {
            device_id: device_id.to_owned(),
            hostname: text("hostname").unwrap_or_else(|| device_id.to_owned()),
            status: text("status").ok_or_else(|| self.unexpected(WHAT, "the device has no status"))?,
        })
    }

    async fn device_action(&self, action: &str, device_id: &str, order: &Order) -> Result<(), ConnectorError> {
        let what = format!("{action} (action {})", order.action_id);
        let url = self.url("/devices/entities/devices-actions/v2");
        let answer = self.post_json(&what, &url, &[("action_name", action)], &json!({ "ids": [device_id] })).await?;
        self.resources(&what, &answer)?;
        Ok(())
    }
}

/// Falcon's agent ids are 32 hex digits; a host name is anything else.
fn is_device_id(host: &str) -> bool {
    host.len() == 32 && host.chars().all(|c| c.is_ascii_hexdigit())
}
