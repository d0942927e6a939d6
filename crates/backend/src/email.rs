//! E-mail channels: a notification sent over SMTP. The channel's address says where and to
//! whom: `smtp://relay.corp:25?from=riposte@corp.example&to=noc@corp.example,oncall@corp.example`
//! (STARTTLS when the relay offers it), or `smtps://…:465` (TLS from the start); `user` and
//! `password_ref` (`env:NAME` or `file:/path`) when the relay wants a login.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    /// `smtps`: TLS from the first byte; else STARTTLS when offered.
    pub implicit_tls: bool,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub user: Option<String>,
    pub password_ref: Option<String>,
}

/// Reads a channel address; the error says which part is wrong.
pub fn parse(url: &str) -> Result<SmtpTarget, String> {
    let url = reqwest::Url::parse(url.trim()).map_err(|e| format!("not an smtp:// address: {e}"))?;
    let implicit_tls = match url.scheme() {
        "smtp" => false,
        "smtps" => true,
        other => return Err(format!("the scheme is {other:?}, not smtp or smtps")),
    };
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or("the address names no relay host")?.to_owned();
    let port = url.port().unwrap_or(if implicit_tls { 465 } else { 25 });
    let query = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    let mailbox =
        |text: &str| text.trim().parse::<Mailbox>().map_err(|e| format!("{text:?} is not an e-mail address: {e}"));
    let from = mailbox(&query("from").ok_or("say who it is from: ?from=riposte@example.org")?)?;
    let to = query("to")
        .ok_or("say who receives it: &to=noc@example.org")?
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(mailbox)
        .collect::<Result<Vec<_>, _>>()?;
    if to.is_empty() {
        return Err("say who receives it: &to=noc@example.org".into());
    }
    let password_ref = query("password_ref");
    if let Some(reference) = &password_ref {
        crate::secrets::check_reference(reference)?;
    }
    Ok(SmtpTarget { host, port, implicit_tls, from, to, user: query("user"), password_ref })
}

/// Why a message did not go, and whether trying later could help (a 4xx, no answer).
#[derive(Debug)]
pub struct EmailFailure {
    pub message: String,
    pub retry: bool,
}

pub async fn send(target: &SmtpTarget, subject: &str, text: &str) -> Result<(), EmailFailure> {
    let fail = |message: String, retry: bool| EmailFailure { message, retry };
    let mut message = Message::builder().from(target.from.clone()).subject(subject);
    for to in &target.to {
        message = message.to(to.clone());
    }
    let message =
        message.body(text.to_owned()).map_err(|e| fail(format!("the message cannot be built: {e}"), false))?;
    let tls_parameters = TlsParameters::new(target.host.clone()).map_err(|e| fail(e.to_string(), false))?;
    let tls = if target.implicit_tls { Tls::Wrapper(tls_parameters) } else { Tls::Opportunistic(tls_parameters) };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&target.host)
        .port(target.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(20)));
    if let (Some(user), Some(reference)) = (&target.user, &target.password_ref) {
        let password = crate::secrets::resolve(reference).map_err(|e| fail(e, true))?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    match builder.build().send(message).await {
        Ok(_) => Ok(()),
        Err(e) => Err(fail(format!("{}:{}: {e}", target.host, target.port), !e.is_permanent())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_relay_sender_and_receivers() {
        let target =
            parse("smtp://relay.corp:2525?from=riposte@corp.example&to=noc@corp.example,%20oncall@corp.example")
                .expect("address");
        assert_eq!((target.host.as_str(), target.port, target.implicit_tls), ("relay.corp", 2525, false));
        assert_eq!(target.to.len(), 2);
        assert_eq!(parse("smtps://mail.example?from=a@b.c&to=d@e.f").expect("smtps").port, 465);
        assert!(parse("https://x?from=a@b.c&to=d@e.f").expect_err("scheme").contains("not smtp"));
        assert!(parse("smtp://x?to=d@e.f").expect_err("from").contains("from"));
        assert!(parse("smtp://x?from=a@b.c&to=nobody").expect_err("to").contains("not an e-mail address"));
        assert!(parse("smtp://x?from=a@b.c&to=d@e.f&password_ref=secret").is_err());
    }
}
