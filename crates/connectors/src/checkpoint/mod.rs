//! Check Point Management API (R80.10 and later): a block is a host (or network) object
//! named after the address, made a member of the group the administrator's drop rule uses;
//! the session is published and the policy installed on the gateways. Undo takes the
//! object out of the group and deletes it, then publishes and installs again. The read-back
//! is the group's membership.
//!
//! Apply and undo publish and install every time, also when the objects were already as
//! wanted: an earlier call may have stopped between the edit and the install, and only
//! publishing and installing again makes sure the gateways enforce what the server holds.

mod objects;
mod session;
mod tasks;

use std::time::Duration;

use riposte_domain::containment::{ActionKind, Target};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{Http, Patience};
use crate::{ConfigError, ConnectorError, Order, Outcome};
use objects::BlockObject;
use session::{Login, Session};

/// What an administrator fills in. The secret is the password of `username`, or an API key
/// when `username` is absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPointConfig {
    /// The management server, `https://mgmt.example.org` (a port when not 443).
    pub url: Option<String>,
    pub ca_pem: Option<String>,
    pub username: Option<String>,
    /// The group the blocking rule drops traffic from and to; the rule decides directions.
    pub group: Option<String>,
    /// The domain to log in to on a Multi-Domain Server.
    pub domain: Option<String>,
    #[serde(default = "default_policy_package")]
    pub policy_package: String,
    /// The gateways to install the policy on; all of the package's targets when empty.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Off where policy installation is left to people or a schedule.
    #[serde(default = "default_install_policy")]
    pub install_policy: bool,
    /// The start of the objects' names; the address follows (`riposte-block-203.0.113.7`).
    #[serde(default = "default_object_prefix")]
    pub object_prefix: String,
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// How often a publish or install task is polled.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// How long a publish or install may take before the call gives up (it may still end
    /// well on the server; a retry then finds it done).
    #[serde(default = "default_task_timeout_secs")]
    pub task_timeout_secs: u64,
}

fn default_policy_package() -> String {
    "Standard".into()
}

fn default_install_policy() -> bool {
    true
}

fn default_object_prefix() -> String {
    "riposte-block-".into()
}

fn default_api_version() -> String {
    "1.9".into()
}

fn default_poll_interval_ms() -> u64 {
    2_000
}

fn default_task_timeout_secs() -> u64 {
    600
}

/// One management server (or domain).
#[derive(Debug, Clone)]
pub struct CheckPoint {
    session: Session,
    group: String,
    policy_package: String,
    targets: Vec<String>,
    install_policy: bool,
    object_prefix: String,
    poll_interval: Duration,
    task_timeout: Duration,
}

impl CheckPoint {
    pub const KINDS: &'static [ActionKind] = &[ActionKind::Block];

    pub fn from_config(
        name: &str,
        config: &Value,
        secret: Option<&str>,
        patience: Patience,
    ) -> Result<CheckPoint, ConfigError> {
        let config: CheckPointConfig =
            serde_json::from_value(config.clone()).map_err(|e| ConfigError::from_json(&e))?;
        let base = server_base(config.url.as_deref())?;
        let secret = secret
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ConfigError::new("secret", "the password (or API key) is needed"))?;
        let login = match config.username.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(user) => {
                plain_text("username", user)?;
                Login::Password { user: user.to_owned(), password: secret.to_owned() }
            }
            None => Login::ApiKey(secret.trim().to_owned()),
        };
        let group = config.group.as_deref().map(str::trim).unwrap_or_default();
        if group.is_empty() {
            return Err(ConfigError::new("group", "the group the blocking rule uses is needed"));
        }
        plain_text("group", group)?;
        let domain = config.domain.as_deref().map(str::trim).filter(|d| !d.is_empty());
        if let Some(domain) = domain {
            plain_text("domain", domain)?;
        }
        let policy_package = config.policy_package.trim();
        if policy_package.is_empty() {
            return Err(ConfigError::new("policy_package", "name the policy package to install"));
        }
        plain_text("policy_package", policy_package)?;
        for target in &config.targets {
            if target.trim().is_empty() {
                return Err(ConfigError::new("targets", "a gateway's name cannot be empty"));
            }
            plain_text("targets", target)?;
        }
        let prefix = &config.object_prefix;
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(ConfigError::new("object_prefix", "letters, digits, '-', '_' and '.'"));
        }
        let version = config.api_version.trim().trim_start_matches('v');
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(ConfigError::new("api_version", "a version such as 1.9"));
        }
        if !(10..=60_000).contains(&config.poll_interval_ms) {
            return Err(ConfigError::new("poll_interval_ms", "between 10 and 60000 milliseconds"));
        }
        if !(1..=3_600).contains(&config.task_timeout_secs) {
            return Err(ConfigError::new("task_timeout_secs", "between 1 and 3600 seconds"));
        }
        let http = Http::new(&format!("checkpoint {name}"), config.ca_pem.as_deref(), patience)?;
        Ok(CheckPoint {
            session: Session::new(http, base, version, login, domain.map(str::to_owned)),
            group: group.to_owned(),
            policy_package: policy_package.to_owned(),
            targets: config.targets.iter().map(|t| t.trim().to_owned()).collect(),
            install_policy: config.install_policy,
            object_prefix: prefix.clone(),
            poll_interval: Duration::from_millis(config.poll_interval_ms),
            task_timeout: Duration::from_secs(config.task_timeout_secs),
        })
    }

    pub fn kinds(&self) -> &[ActionKind] {
        CheckPoint::KINDS
    }

    /// Creates the object unless it exists, adds it to the group unless it is a member, then
    /// publishes, installs and reads the group back.
    pub async fn apply_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let object = self.object_of("apply", order)?;
        self.ensure_object(&object, order).await?;
        if !self.members().await?.contains(&object.name) {
            self.change_group("add", &object).await?;
        }
        let tasks = self.publish_and_install(order).await?;
        self.read_back(&object, tasks).await
    }

    pub async fn verify_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let object = self.object_of("verify", order)?;
        self.read_back(&object, Value::Null).await
    }

    /// Takes the object out of the group and deletes it (both only when present), then
    /// publishes, installs and reads the group back.
    pub async fn undo_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let object = self.object_of("undo", order)?;
        if self.members().await?.contains(&object.name) {
            self.change_group("remove", &object).await?;
        }
        let kept = self.delete_object(&object).await?;
        let mut tasks = self.publish_and_install(order).await?;
        if let Some(why) = kept {
            tasks["object_kept"] = json!(why);
        }
        self.read_back(&object, tasks).await
    }

    /// Credential health: logs in (unless a session is held) and reads the session.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        let session = self.session.call("show-session", &json!({})).await?;
        let user = session.get("user-name").and_then(Value::as_str).unwrap_or("the configured user");
        Ok(format!("{} accepts {user}", self.session.device()))
    }

    fn object_of(&self, what: &str, order: &Order) -> Result<BlockObject, ConnectorError> {
        match (order.kind, &order.target) {
            (ActionKind::Block, Target::Network(network)) => Ok(BlockObject::of(&self.object_prefix, network)),
            (kind, _) => Err(ConnectorError::Refused {
                device: self.session.device().to_owned(),
                detail: format!("{what}: Check Point blocks addresses; it cannot {} that target", kind.as_str()),
            }),
        }
    }

    /// Reads the group: in force when the object is a member.
    async fn read_back(&self, object: &BlockObject, tasks: Value) -> Result<Outcome, ConnectorError> {
        let member = self.members().await?.contains(&object.name);
        let summary = if member {
            format!("{} is in group {}", object.name, self.group)
        } else {
            format!("{} is not in group {}", object.name, self.group)
        };
        let evidence = json!({ "group": self.group, "object": object.name, "member": member, "tasks": tasks });
        Ok(Outcome::new(member, summary, evidence))
    }
}

/// Names and values that go into request bodies: printable, without control characters.
fn plain_text(field: &str, value: &str) -> Result<(), ConfigError> {
    if value.chars().any(char::is_control) || value.len() > 255 {
        return Err(ConfigError::new(field, "printable text of at most 255 characters"));
    }
    Ok(())
}

/// `https://host[:port]` from the configured address (a path such as `/web_api` dropped).
fn server_base(url: Option<&str>) -> Result<String, ConfigError> {
    let url = url
        .and_then(|u| reqwest::Url::parse(u.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| ConfigError::new("url", "give the management server's https:// address"))?;
    Ok(url.origin().ascii_serialization())
}
