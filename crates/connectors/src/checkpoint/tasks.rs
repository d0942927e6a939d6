//! Publishing the session and installing the policy: each starts a task on the server,
//! polled with `show-task` until it ends.

use std::time::Instant;

use serde_json::{Value, json};

use super::CheckPoint;
use crate::{ConnectorError, Order};

impl CheckPoint {
    /// Publishes, then installs the policy when configured; the task ids, for evidence.
    pub(super) async fn publish_and_install(&self, order: &Order) -> Result<Value, ConnectorError> {
        let what = format!("publish (action {})", order.action_id);
        let publish = self.start_task(&what, "publish", &json!({})).await?;
        self.wait_for_task(&what, &publish).await?;
        if !self.install_policy {
            return Ok(json!({ "publish": publish }));
        }
        let what = format!("install-policy {} (action {})", self.policy_package, order.action_id);
        let mut body = json!({ "policy-package": self.policy_package, "access": true });
        if !self.targets.is_empty() {
            body["targets"] = json!(self.targets);
        }
        let install = self.start_task(&what, "install-policy", &body).await?;
        self.wait_for_task(&what, &install).await?;
        Ok(json!({ "publish": publish, "install-policy": install }))
    }

    async fn start_task(&self, what: &str, command: &str, body: &Value) -> Result<String, ConnectorError> {
        let answer = self.session.call(command, body).await?;
        answer.get("task-id").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| ConnectorError::Unexpected {
            device: self.session.device().to_owned(),
            detail: format!("{what}: the answer has no task-id"),
        })
    }

    /// Polls the task until it succeeds (warnings included), fails, or the time is up.
    async fn wait_for_task(&self, what: &str, task_id: &str) -> Result<(), ConnectorError> {
        let deadline = Instant::now() + self.task_timeout;
        let body = json!({ "task-id": task_id, "details-level": "full" });
        loop {
            let answer = self.session.call("show-task", &body).await?;
            let task =
                answer.get("tasks").and_then(Value::as_array).and_then(|t| t.first()).cloned().unwrap_or_default();
            match task.get("status").and_then(Value::as_str).unwrap_or_default() {
                "succeeded" | "succeeded with warnings" => return Ok(()),
                "in progress" | "pending" => {}
                ended => {
                    return Err(ConnectorError::Refused {
                        device: self.session.device().to_owned(),
                        detail: format!("{what}: task {task_id} ended {ended:?}: {}", task_messages(&task)),
                    });
                }
            }
            if Instant::now() + self.poll_interval > deadline {
                return Err(ConnectorError::Unreachable {
                    device: self.session.device().to_owned(),
                    detail: format!("{what}: task {task_id} still running after {} s", self.task_timeout.as_secs()),
                });
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }
}

/// What a task's details say went wrong, or the task itself when they say nothing.
fn task_messages(task: &Value) -> String {
    let mut messages = Vec::new();
    collect_messages(task, &mut messages);
    if messages.is_empty() { crate::http::excerpt(&task.to_string()) } else { messages.join("; ") }
}

/// The texts under the keys the API puts failures in, however deep (task-details, errors).
fn collect_messages(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("message" | "fail-message" | "statusDescription", Value::String(text)) if !text.is_empty() => {
                        into.push(text.clone());
                    }
                    _ => collect_messages(field, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_messages(item, into)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_task_says_why() {
        let task = json!({
            "task-id": "t1", "status": "failed",
            "task-details": [{ "statusDescription": "Installation failed on gw1", "errors": [{ "message": "policy not verified" }] }],
        });
        let messages = task_messages(&task);
        assert!(
            messages.contains("policy not verified") && messages.contains("Installation failed on gw1"),
            "{messages}"
        );
        assert!(task_messages(&json!({ "status": "failed" })).contains("failed"));
    }
}
