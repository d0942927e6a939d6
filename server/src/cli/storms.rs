//! `server storm list|set|remove`: storm-control policies from the shell.

use anyhow::Context;
use riposte_backend::Backend;
use riposte_backend::admin::Actor;
use riposte_backend::storms;
use riposte_domain::alert::{StormField, StormPolicy};

use crate::config::{GlobalOptions, StormCommand};

pub async fn run(global: &GlobalOptions, command: StormCommand) -> anyhow::Result<()> {
    let (database, backend) = super::tool_backend(global).await?;
    let outcome = execute(&backend, command).await;
    database.shutdown().await?;
    outcome
}

async fn execute(backend: &Backend, command: StormCommand) -> anyhow::Result<()> {
    match command {
        StormCommand::List => {
            for stored in storms::list_policies(backend, Actor::CommandLine).await? {
                let p = stored.policy;
                let group_by: Vec<_> = p.group_by.iter().map(|f| f.as_str()).collect();
                println!(
                    "{:<12} {:<8} threshold {:<6} window {:>6}s  group by {:<20} (by {})",
                    p.source,
                    if p.enabled { "on" } else { "off" },
                    p.threshold,
                    p.window_secs,
                    if group_by.is_empty() { "signature".into() } else { group_by.join(",") },
                    stored.updated_by
                );
            }
        }
        StormCommand::Set { source, threshold, window_secs, group_by, disabled } => {
            let group_by = group_by
                .iter()
                .filter(|f| !f.trim().is_empty())
                .map(|f| StormField::parse(f))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            let policy = StormPolicy { source: source.clone(), enabled: !disabled, threshold, window_secs, group_by };
            storms::set_policy(backend, Actor::CommandLine, policy)
                .await
                .with_context(|| format!("setting the storm policy of {source}"))?;
            println!("storm policy for {source} saved");
        }
        StormCommand::Remove { source } => {
            storms::remove_policy(backend, Actor::CommandLine, &source)
                .await
                .with_context(|| format!("removing the storm policy of {source}"))?;
            println!("storm policy for {source} removed; the default applies");
        }
    }
    Ok(())
}
