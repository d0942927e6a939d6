//! Reading PAN-OS XML API answers: `<response status="success|error" code="…">`. Errors
//! come with HTTP 200 as often as not, so the status attribute decides, and an answer that is
//! not such a document is `Unexpected`.

use std::net::IpAddr;

use roxmltree::{Document, Node};

use crate::ConnectorError;
use crate::http::excerpt;

/// Parses an answer; `Unexpected` (naming the device and the call) when it is not XML.
pub fn parse<'a>(body: &'a str, device: &str, what: &str) -> Result<Document<'a>, ConnectorError> {
    Document::parse(body).map_err(|e| ConnectorError::Unexpected {
        device: device.to_owned(),
        detail: format!("{what}: the answer is not XML ({e}): {}", excerpt(body)),
    })
}

/// A `status="error"` answer: its code and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: Option<String>,
    pub messages: Vec<String>,
}

impl Failure {
    /// A key that is wrong, expired or revoked (code 403, "Invalid Credential").
    pub fn is_bad_credential(&self) -> bool {
        self.code.as_deref() == Some("403")
            || self.messages.iter().any(|m| m.to_ascii_lowercase().contains("invalid credential"))
    }

    /// Whether every message is one of the harmless ones in `tolerated` (a tag registered
    /// twice, a node already gone): the call did what was meant.
    pub fn only(&self, tolerated: &[&str]) -> bool {
        !self.messages.is_empty()
            && self.messages.iter().all(|m| tolerated.iter().any(|t| m.to_ascii_lowercase().contains(t)))
    }

    pub fn text(&self) -> String {
        let code = self.code.as_deref().map(|c| format!(" (code {c})")).unwrap_or_default();
        match self.messages.is_empty() {
            true => format!("error without a message{code}"),
            false => format!("{}{code}", self.messages.join("; ")),
        }
    }
}

/// `None` for a success, the failure for `status="error"`; `Unexpected` when the document is
/// not a PAN-OS response.
pub fn failure(doc: &Document, device: &str, what: &str) -> Result<Option<Failure>, ConnectorError> {
    let root = doc.root_element();
    let status = root.attribute("status").filter(|_| root.has_tag_name("response"));
    match status {
        Some("success") => Ok(None),
        Some("error") => {
            Ok(Some(Failure { code: root.attribute("code").map(str::to_owned), messages: messages(root) }))
        }
        _ => Err(ConnectorError::Unexpected {
            device: device.to_owned(),
            detail: format!("{what}: the answer is not a <response status=…> document"),
        }),
    }
}

/// The text of `<msg>`/`<line>` elements and the `message` attributes of User-ID entries
/// (`<entry ip="…" message="… already exists, ignore"/>`), leaving out version numbers and
/// other structure.
fn messages(root: Node) -> Vec<String> {
    let mut found = Vec::new();
    for msg in root.descendants().filter(|n| n.has_tag_name("msg")) {
        for node in msg.descendants() {
            let text =
                if node.is_text() && node.parent().is_some_and(|p| p.has_tag_name("msg") || p.has_tag_name("line")) {
                    node.text()
                } else {
                    node.attribute("message")
                };
            if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
                found.push(text.to_owned());
            }
        }
    }
    found
}

/// The text of the first element named `name` under the root.
pub fn first_text(doc: &Document, name: &str) -> Option<String> {
    doc.descendants().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(|t| t.trim().to_owned())
}

/// The API key a keygen answered (`<result><key>…</key></result>`).
pub fn key(doc: &Document) -> Option<String> {
    first_text(doc, "key").filter(|k| !k.is_empty())
}

/// A job's state from `<show><jobs><id>N</id></jobs></show>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    /// PEND, ACT or FIN.
    pub status: String,
    /// PEND while running, then OK or FAIL.
    pub result: String,
    pub details: Vec<String>,
}

pub fn job(doc: &Document) -> Option<Job> {
    let job = doc.descendants().find(|n| n.has_tag_name("job"))?;
    let child = |name: &str| job.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(str::trim);
    let details = job
        .children()
        .filter(|n| n.has_tag_name("details"))
        .flat_map(|d| d.descendants())
        .filter(|n| n.is_text())
        .filter_map(|n| n.text().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned))
        .collect();
    Some(Job {
        id: child("id").unwrap_or("").to_owned(),
        status: child("status")?.to_owned(),
        result: child("result").unwrap_or("").to_owned(),
        details,
    })
}

/// The tags registered to `ip` in a `<show><object><registered-ip>` answer.
pub fn registered_tags(doc: &Document, ip: IpAddr) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("entry"))
        .filter(|n| n.attribute("ip").and_then(|a| a.trim().parse::<IpAddr>().ok()) == Some(ip))
        .flat_map(|entry| entry.descendants().filter(|n| n.has_tag_name("member")))
        .filter_map(|m| m.text().map(|t| t.trim().to_owned()))
        .collect()
}

/// The members of an address group's `<static>` list.
pub fn static_members(doc: &Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("static"))
        .flat_map(|s| s.children().filter(|n| n.has_tag_name("member")))
        .filter_map(|m| m.text().map(|t| t.trim().to_owned()))
        .collect()
}

/// "hostname PA-440 PAN-OS 11.1.2" from `<show><system><info>`.
pub fn system_info(doc: &Document) -> String {
    let parts: Vec<String> =
        ["hostname", "model", "sw-version"].iter().filter_map(|name| first_text(doc, name)).collect();
    if parts.is_empty() { "no system info".into() } else { parts.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(body: &str) -> Option<Failure> {
        let doc = parse(body, "fw", "test").expect("xml");
        failure(&doc, "fw", "test").expect("a response")
    }

    #[test]
    fn errors_carry_their_messages_and_codes() {
        let bad_key =
            fail("<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>")
                .expect("error");
        assert!(bad_key.is_bad_credential());
        let dup = fail(
            r#"<response status="error"><msg><line><uid-response><version>2.0</version><payload><register>
               <entry ip="203.0.113.7" message="tag soc-block already exists, ignore"/></register></payload>
               </uid-response></line></msg></response>"#,
        )
        .expect("error");
        assert_eq!(dup.messages, ["tag soc-block already exists, ignore"], "the version number is not a message");
        assert!(dup.only(&["already exists, ignore"]) && !dup.is_bad_credential());
        assert!(!dup.only(&["does not exist"]));
        assert_eq!(fail(r#"<response status="success"><result/></response>"#), None);
    }

    #[test]
    fn what_is_not_a_response_is_unexpected() {
        assert!(matches!(parse("<html", "fw", "op"), Err(ConnectorError::Unexpected { .. })));
        let doc = parse("<html><body>login</body></html>", "fw", "op").expect("xml");
        let error = failure(&doc, "fw", "op").expect_err("not a response");
        assert!(matches!(&error, ConnectorError::Unexpected { detail, .. } if detail.starts_with("op:")), "{error}");
    }

    #[test]
    fn jobs_tags_and_members_are_read() {
        let doc = parse(
            "<response status='success'><result><job><id>7</id><status>FIN</status><result>FAIL</result>\
             <details><line>rule 3: bad</line><line>commit failed</line></details></job></result></response>",
            "fw",
            "job",
        )
        .expect("xml");
        let job = job(&doc).expect("job");
        assert_eq!((job.status.as_str(), job.result.as_str()), ("FIN", "FAIL"));
        assert_eq!(job.details, ["rule 3: bad", "commit failed"]);
        let doc = parse(
            "<response status='success'><result><entry ip='2001:db8:0::1'><tag><member>soc-block</member>\
             </tag></entry></result></response>",
            "fw",
            "ip",
        )
        .expect("xml");
        assert_eq!(registered_tags(&doc, "2001:db8::1".parse().expect("ip")), ["soc-block"]);
        assert!(registered_tags(&doc, "2001:db8::2".parse().expect("ip")).is_empty());
    }
}
