//! Notification channels: where pages and notices go (a generic JSON webhook, or a Slack- or
//! Teams-style incoming webhook), and what was sent through them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// The message as JSON: `{subject, ...details}`.
    Webhook,
    /// `{"text": ...}`, as Slack incoming webhooks take it.
    Slack,
    /// `{"text": ...}`, as Teams incoming webhooks and workflows take it.
    Teams,
    /// An e-mail over SMTP (`smtp://relay:25?from=…&to=…`).
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 4] =
        [ChannelKind::Webhook, ChannelKind::Slack, ChannelKind::Teams, ChannelKind::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == text.trim())
    }
}

/// Letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 64.
pub fn valid_channel_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub name: String,
    pub kind: ChannelKind,
    pub url: String,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub channel: String,
    pub incident_id: Option<i64>,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names() {
        assert!(valid_channel_name("on-call") && valid_channel_name("soc.slack_2"));
        assert!(!valid_channel_name("") && !valid_channel_name("-x") && !valid_channel_name("a b"));
        assert!(!valid_channel_name(&"a".repeat(65)));
    }
}
