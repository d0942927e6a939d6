//! Comment bodies as a small Markdown tree. The server parses (raw HTML dropped, links kept
//! only for http, https and mailto); the browser builds DOM nodes from the tree as text, so
//! nothing a user or an alert wrote is ever interpreted as markup.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    List { ordered: bool, items: Vec<Vec<Block>> },
    Quote(Vec<Block>),
    Code(String),
    Rule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Strike(Vec<Inline>),
    /// Only when [`safe_href`] accepted the target; otherwise the children stand as text.
    Link {
        href: String,
        children: Vec<Inline>,
    },
    Break,
}

/// The link target if it is one a browser follows without running anything.
pub fn safe_href(href: &str) -> Option<&str> {
    let trimmed = href.trim();
    let lower = trimmed.to_ascii_lowercase();
    ["https://", "http://", "mailto:"].iter().any(|scheme| lower.starts_with(scheme)).then_some(trimmed)
}

#[cfg(test)]
mod tests {
    use super::safe_href;

    #[test]
    fn only_plain_web_and_mail_links_pass() {
        assert_eq!(safe_href(" https://example.org/x "), Some("https://example.org/x"));
        assert_eq!(safe_href("mailto:soc@example.org"), Some("mailto:soc@example.org"));
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("JaVaScRiPt:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,<script>"), None);
        assert_eq!(safe_href("//evil.example"), None);
    }
}
