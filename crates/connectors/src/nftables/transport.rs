//! How `nft` is reached: over SSH on a Linux firewall or router (the usual case), or on this
//! machine, optionally inside a network namespace (a server that is itself the router, and
//! the lab). Arguments are fixed words and checked names; scripts travel on standard input,
//! so no address or name is ever parsed by a shell.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::ConnectorError;

/// An SSH account on the firewall that may run `nft` (directly, or through `sudo -n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Private key for this connector alone.
    pub identity: PathBuf,
    /// The firewall's host key, pinned: an unknown or changed key refuses the connection.
    pub known_hosts: PathBuf,
    pub sudo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Local { netns: Option<String> },
    Ssh(SshTarget),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} may only hold letters, digits and {allowed}")]
pub struct BadName {
    pub what: &'static str,
    pub value: String,
    pub allowed: &'static str,
}

fn check(what: &'static str, value: &str, extra: &'static str) -> Result<(), BadName> {
    let fine = !value.is_empty()
        && value.len() <= 253
        && !value.starts_with('-')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
    if fine { Ok(()) } else { Err(BadName { what, value: value.to_owned(), allowed: extra_label(extra) }) }
}

fn extra_label(extra: &'static str) -> &'static str {
    match extra {
        "._-" => "'.', '_', '-'",
        "._-:" => "'.', '_', '-', ':'",
        _ => "'_', '-'",
    }
}

impl Transport {
    /// Checks names that will appear on a command line (they cannot start an option).
    pub fn checked(self) -> Result<Transport, BadName> {
        match &self {
            Transport::Local { netns: Some(ns) } => check("namespace", ns, "._-")?,
            Transport::Local { netns: None } => {}
            Transport::Ssh(ssh) => {
                check("host", &ssh.host, "._-:")?;
                check("user", &ssh.user, "_-")?;
            }
        }
        Ok(self)
    }

    /// Names the device in messages and evidence.
    pub fn device(&self) -> String {
        match self {
            Transport::Local { netns: None } => "nftables on this machine".into(),
            Transport::Local { netns: Some(ns) } => format!("nftables in namespace {ns}"),
            Transport::Ssh(ssh) => format!("nftables on {}@{}:{}", ssh.user, ssh.host, ssh.port),
        }
    }

    fn command(&self, nft_args: &[String]) -> Command {
        match self {
            Transport::Local { netns: None } => {
                let mut command = Command::new("nft");
                command.args(nft_args);
                command
            }
            Transport::Local { netns: Some(ns) } => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", ns, "nft"]).args(nft_args);
                command
            }
            Transport::Ssh(ssh) => {
                let mut command = Command::new("ssh");
                command
                    .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=5"])
                    // One SSH connection kept open and shared by the calls of an action (and
                    // the next ones for a while): a block is then a few milliseconds, not a
                    // handshake per `nft` call.
                    .args([
                        "-o",
                        "ControlMaster=auto",
                        "-o",
                        "ControlPath=/tmp/riposte-ssh-%C",
                        "-o",
                        "ControlPersist=300",
                    ])
                    .arg("-o")
                    .arg(format!("UserKnownHostsFile={}", ssh.known_hosts.display()))
                    .arg("-i")
                    .arg(&ssh.identity)
                    .args(["-p", &ssh.port.to_string(), "-l", &ssh.user, "--", &ssh.host]);
                if ssh.sudo {
                    command.args(["sudo", "-n"]);
                }
                command.arg("nft").args(nft_args);
                command
            }
        }
    }

    /// Runs `nft` with `args`, feeding `script` on standard input; returns its output. Gives
    /// up after `timeout` (the process is killed).
    pub async fn nft(
        &self,
        args: &[String],
        script: Option<&str>,
        timeout: Duration,
    ) -> Result<String, ConnectorError> {
        let device = self.device();
        let mut command = self.command(args);
        command.stdin(if script.is_some() { Stdio::piped() } else { Stdio::null() });
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| ConnectorError::Unreachable {
            device: device.clone(),
            detail: format!("cannot start: {e}"),
        })?;
        if let (Some(script), Some(mut stdin)) = (script, child.stdin.take()) {
            stdin
                .write_all(script.as_bytes())
                .await
                .map_err(|e| ConnectorError::Unreachable { device: device.clone(), detail: e.to_string() })?;
        }
        let output = tokio::time::timeout(timeout, child.wait_with_output())
            .await
            .map_err(|_| ConnectorError::Unreachable {
                device: device.clone(),
                detail: format!("no answer within {timeout:?}"),
            })?
            .map_err(|e| ConnectorError::Unreachable { device: device.clone(), detail: e.to_string() })?;
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        match output.status.code() {
            Some(0) => Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
            // ssh's own failures (connection, authentication, host key) exit 255.
            Some(255) if matches!(self, Transport::Ssh(_)) => {
                Err(ConnectorError::Unreachable { device, detail: stderr })
            }
            _ if stderr.contains("interval overlaps") || stderr.contains("conflicting intervals") => {
                Err(ConnectorError::Conflict { device, detail: stderr })
            }
            _ => Err(ConnectorError::Refused { device, detail: stderr }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssh(host: &str, user: &str) -> Transport {
        Transport::Ssh(SshTarget {
            host: host.into(),
            port: 22,
            user: user.into(),
            identity: "/etc/riposte/fw1".into(),
            known_hosts: "/etc/riposte/known_hosts".into(),
            sudo: true,
        })
    }

    #[test]
    fn names_on_a_command_line_cannot_be_options_or_shell() {
        assert!(ssh("fw1.corp.example", "riposte").checked().is_ok());
        assert!(ssh("2001:db8::1", "soc_bot").checked().is_ok());
        assert!(ssh("-oProxyCommand=evil", "riposte").checked().is_err());
        assert!(ssh("fw1; rm -rf /", "riposte").checked().is_err());
        assert!(ssh("fw1", "root$(id)").checked().is_err());
        assert!(Transport::Local { netns: Some("lab-victim".into()) }.checked().is_ok());
        let err = Transport::Local { netns: Some("a b".into()) }.checked().expect_err("space");
        assert_eq!(err.to_string(), "namespace \"a b\" may only hold letters, digits and '.', '_', '-'");
    }

    #[test]
    fn ssh_pins_the_host_key_and_passes_only_fixed_words() {
        let command = ssh("fw1", "riposte").command(&["-f".into(), "-".into()]);
        let args: Vec<String> = command.as_std().get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(command.as_std().get_program(), "ssh");
        assert!(args.windows(2).any(|w| w == ["-o", "StrictHostKeyChecking=yes"]));
        assert!(args.windows(2).any(|w| w == ["-o", "BatchMode=yes"]));
        assert!(args.contains(&"UserKnownHostsFile=/etc/riposte/known_hosts".to_owned()));
        let tail: Vec<&str> = args.iter().skip_while(|a| *a != "--").map(String::as_str).collect();
        assert_eq!(tail, ["--", "fw1", "sudo", "-n", "nft", "-f", "-"]);
    }
}
