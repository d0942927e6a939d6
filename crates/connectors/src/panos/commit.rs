//! Commit mode: an address object (any range, as ip-netmask) made a member of a static
//! address group that a deny rule uses, then a commit whose job is polled until it finishes,
//! within a bound. `set` merges, so applying twice leaves one object and one member. Undo
//! removes the member before the object (PAN-OS refuses to delete a referenced object).
//! The commit is a full one (`<commit />`, as pan-os-python sends it): it also commits what
//! others left pending in the candidate configuration.

use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::ConnectorError;

use super::answer::{self, Job};
use super::api::Api;
use super::config::CommitSettings;

/// A firewall's own device entry is always called this in its configuration.
const DEVICE_XPATH: &str = "/config/devices/entry[@name='localhost.localdomain']";
/// Reading a node that is not there.
const NO_SUCH_NODE: &str = "no such node";

/// Where blocks go in commit mode.
#[derive(Debug, Clone)]
pub struct Committer<'a> {
    pub api: &'a Api,
    pub settings: &'a CommitSettings,
}

/// One address object as Riposte writes it.
#[derive(Debug, Clone)]
pub struct Object {
    pub name: String,
    pub network: Network,
    pub description: String,
}

/// What the running configuration holds for an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub ip_netmask: Option<String>,
    pub in_group: bool,
}

impl Presence {
    /// In force: the object holds the network and the group holds the object.
    pub fn blocks(&self, network: &Network) -> bool {
        self.in_group && self.ip_netmask.as_deref().and_then(|m| Network::parse(m).ok()) == Some(*network)
    }
}

impl Committer<'_> {
    fn vsys_xpath(&self) -> String {
        format!("{DEVICE_XPATH}/vsys/entry[@name='{}']", self.settings.vsys)
    }

    fn object_xpath(&self, name: &str) -> String {
        format!("{}/address/entry[@name='{name}']", self.vsys_xpath())
    }

    fn group_xpath(&self) -> String {
        format!("{}/address-group/entry[@name='{}']", self.vsys_xpath(), self.settings.group)
    }

    /// Sets the object and the group member, commits and waits for the job.
    pub async fn add(&self, object: &Object) -> Result<Option<Job>, ConnectorError> {
        let element = format!(
            "<entry name=\"{}\"><ip-netmask>{}</ip-netmask><description>{}</description></entry>",
            object.name, object.network, object.description
        );
        self.config("set address object", "set", &format!("{}/address", self.vsys_xpath()), Some(&element), &[])
            .await?;
        let member = format!(
            "<entry name=\"{}\"><static><member>{}</member></static></entry>",
            self.settings.group, object.name
        );
        self.config("add group member", "set", &format!("{}/address-group", self.vsys_xpath()), Some(&member), &[])
            .await?;
        self.commit().await
    }

    /// Deletes the group member and the object where the candidate configuration holds them,
    /// then commits (a commit with nothing to do starts no job).
    pub async fn remove(&self, name: &str) -> Result<Option<Job>, ConnectorError> {
        let candidate = self.presence("get", name).await?;
        if candidate.in_group {
            let xpath = format!("{}/static/member[text()='{name}']", self.group_xpath());
            self.config("delete group member", "delete", &xpath, None, &[]).await?;
        }
        if candidate.ip_netmask.is_some() {
            self.config("delete address object", "delete", &self.object_xpath(name), None, &[]).await?;
        }
        self.commit().await
    }

    /// What the running (`action = "show"`) or candidate (`"get"`) configuration holds.
    pub async fn presence(&self, action: &str, name: &str) -> Result<Presence, ConnectorError> {
        let what = format!("{action} address object");
        let body = self.config(&what, action, &self.object_xpath(name), None, &[NO_SUCH_NODE]).await?;
        let ip_netmask = answer::first_text(&answer::parse(&body, self.api.device(), &what)?, "ip-netmask");
        let what = format!("{action} address group");
        let body = self.config(&what, action, &self.group_xpath(), None, &[NO_SUCH_NODE]).await?;
        let members = answer::static_members(&answer::parse(&body, self.api.device(), &what)?);
        Ok(Presence { ip_netmask, in_group: members.iter().any(|m| m == name) })
    }

    async fn config(
        &self,
        what: &str,
        action: &str,
        xpath: &str,
        element: Option<&str>,
        tolerated: &[&str],
    ) -> Result<String, ConnectorError> {
        let mut form = vec![("xpath", xpath)];
        form.extend(element.map(|e| ("element", e)));
        form.extend([("type", "config"), ("action", action)]);
        self.api.call(what, &form, tolerated).await
    }

    /// Commits, and waits for the job when one started. Another commit running is a busy
    /// firewall: worth trying again after a poll interval.
    async fn commit(&self) -> Result<Option<Job>, ConnectorError> {
        let body = match self.api.call("commit", &[("type", "commit"), ("cmd", "<commit />")], &[]).await {
            Err(ConnectorError::Refused { device, detail }) if detail.to_ascii_lowercase().contains("in progress") => {
                tracing::info!(%device, %detail, "PAN-OS: another commit is running");
                return Err(ConnectorError::Throttled { device, retry_after: self.settings.poll });
            }
            other => other?,
        };
        let doc = answer::parse(&body, self.api.device(), "commit")?;
        match answer::first_text(&doc, "job") {
            // "There are no changes to commit."
            None => Ok(None),
            Some(id) => {
                let id: u64 = id.parse().map_err(|_| ConnectorError::Unexpected {
                    device: self.api.device().to_owned(),
                    detail: format!("commit: the job id {id:?} is not a number"),
                })?;
                self.wait(id).await.map(Some)
            }
        }
    }

    /// Polls the job until it finishes; FIN with anything but OK is a refusal carrying the
    /// job's details, and a job still running after the bound is reported as such.
    async fn wait(&self, id: u64) -> Result<Job, ConnectorError> {
        let what = format!("commit job {id}");
        let cmd = format!("<show><jobs><id>{id}</id></jobs></show>");
        let deadline = Instant::now() + self.settings.commit_timeout;
        loop {
            let body = self.api.call(&what, &[("type", "op"), ("cmd", &cmd)], &[]).await?;
            let doc = answer::parse(&body, self.api.device(), &what)?;
            let job = answer::job(&doc).ok_or_else(|| ConnectorError::Unexpected {
                device: self.api.device().to_owned(),
                detail: format!("{what}: the answer holds no <job> with a <status>"),
            })?;
            if job.status == "FIN" {
                return match job.result.as_str() {
                    "OK" => Ok(job),
                    result => Err(ConnectorError::Refused {
                        device: self.api.device().to_owned(),
                        detail: format!("{what} ended {result}: {}", job.details.join("; ")),
                    }),
                };
            }
            if Instant::now() + self.settings.poll > deadline {
                return Err(ConnectorError::Unreachable {
                    device: self.api.device().to_owned(),
                    detail: format!(
                        "{what} still {} after {} s; the firewall may finish it later",
                        job.status,
                        self.settings.commit_timeout.as_secs()
                    ),
                });
            }
            tokio::time::sleep(self.settings.poll).await;
        }
    }
}

/// The job as evidence.
pub fn job_evidence(job: Option<&Job>) -> Value {
    match job {
        Some(job) => json!({ "id": job.id, "status": job.status, "result": job.result, "details": job.details }),
        None => Value::Null,
    }
}
