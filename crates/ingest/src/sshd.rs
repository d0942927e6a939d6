//! OpenSSH `sshd` authentication lines: accepted and failed logons become identity context
//! (user, source address, success or failure), the login history enrichment reads. Other
//! sshd lines are kept as `sshd` context, whole.

use riposte_domain::alert::{ContextEvent, content_dedup_key};

/// One sshd message (the part after `sshd[pid]: `), seen on `host` at `time_ms`.
pub fn parse_sshd(message: &str, host: Option<&str>, time_ms: Option<i64>, source: &str) -> ContextEvent {
    let logon = logon(message.trim());
    let mut event = ContextEvent {
        source: source.to_owned(),
        kind: if logon.is_some() { "logon".into() } else { "sshd".into() },
        event_time_ms: time_ms,
        flow_id: None,
        community_id: None,
        src_ip: None,
        dest_ip: None,
        src_port: None,
        dest_port: None,
        proto: Some("ssh".into()),
        user_name: None,
        host_name: host.map(str::to_ascii_lowercase),
        outcome: None,
        action: None,
        // The host and time belong to the identity of a line: the same text recurs.
        dedup_key: content_dedup_key(&[host.unwrap_or_default(), &time_ms.unwrap_or_default().to_string(), message]),
        raw: message.to_owned(),
    };
    if let Some((outcome, user, ip, port)) = logon {
        event.outcome = Some(outcome.into());
        event.user_name = Some(user);
        event.src_ip = ip.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string());
        event.src_port = port;
    }
    event
}

/// `(outcome, user, address, port)` from the lines that say who tried to log on from where.
fn logon(message: &str) -> Option<(&'static str, String, String, Option<i32>)> {
    let (outcome, rest) = if let Some(rest) = message.strip_prefix("Accepted ") {
        ("success", rest)
    } else if let Some(rest) = message.strip_prefix("Failed ") {
        ("failure", rest)
    } else if let Some(rest) = message.strip_prefix("Invalid user ") {
        // `Invalid user admin from 203.0.113.7 port 50522`
        let (user, after) = rest.split_once(" from ")?;
        let (ip, port) = address_port(after);
        return Some(("failure", user.to_owned(), ip, port));
    } else {
        return None;
    };
    // `password for [invalid user ]NAME from IP port N ssh2`, `publickey for NAME from ...`
    let (_method, rest) = rest.split_once(" for ")?;
    let rest = rest.strip_prefix("invalid user ").unwrap_or(rest);
    let (user, after) = rest.rsplit_once(" from ")?;
    let (ip, port) = address_port(after);
    Some((outcome, user.to_owned(), ip, port))
}

fn address_port(text: &str) -> (String, Option<i32>) {
    let mut words = text.split_whitespace();
    let ip = words.next().unwrap_or_default().to_owned();
    let port = match (words.next(), words.next()) {
        (Some("port"), Some(port)) => port.parse().ok(),
        _ => None,
    };
    (ip, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logons_carry_user_address_and_outcome() {
        let cases = [
            (
                "Failed password for root from 203.0.113.7 port 50522 ssh2",
                "failure",
                "root",
                "203.0.113.7",
                Some(50522),
            ),
            (
                "Failed password for invalid user admin from 203.0.113.7 port 50524 ssh2",
                "failure",
                "admin",
                "203.0.113.7",
                Some(50524),
            ),
            (
                "Accepted publickey for alice from 10.0.0.9 port 51000 ssh2: ED25519 SHA256:abc",
                "success",
                "alice",
                "10.0.0.9",
                Some(51000),
            ),
            (
                "Accepted password for bob from 2001:db8::7 port 40000 ssh2",
                "success",
                "bob",
                "2001:db8::7",
                Some(40000),
            ),
            ("Invalid user oracle from 198.51.100.3 port 34110", "failure", "oracle", "198.51.100.3", Some(34110)),
        ];
        for (line, outcome, user, ip, port) in cases {
            let event = parse_sshd(line, Some("Bastion"), Some(1), "sshd");
            assert_eq!(event.kind, "logon", "{line}");
            assert_eq!(event.outcome.as_deref(), Some(outcome), "{line}");
            assert_eq!(event.user_name.as_deref(), Some(user), "{line}");
            assert_eq!(event.src_ip.as_deref(), Some(ip), "{line}");
            assert_eq!(event.src_port, port, "{line}");
            assert_eq!(event.host_name.as_deref(), Some("bastion"));
        }
    }

    #[test]
    fn other_lines_are_kept_whole() {
        let event = parse_sshd("Connection closed by 203.0.113.7 port 50522 [preauth]", None, None, "sshd");
        assert_eq!(event.kind, "sshd");
        assert_eq!(event.raw, "Connection closed by 203.0.113.7 port 50522 [preauth]");
    }
}
