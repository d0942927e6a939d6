//! `server token create|list|revoke`: ingest tokens from the shell.

use anyhow::Context;
use riposte_backend::Backend;
use riposte_backend::admin::Actor;
use riposte_backend::tokens::{self, TokenScope};
use time::format_description::well_known::Rfc3339;

use crate::config::{GlobalOptions, TokenCommand};

pub async fn run(global: &GlobalOptions, command: TokenCommand) -> anyhow::Result<()> {
    let (database, backend) = super::tool_backend(global).await?;
    let outcome = execute(&backend, command).await;
    database.shutdown().await?;
    outcome
}

async fn execute(backend: &Backend, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { name, source, scope } => {
            let scopes = scope.iter().map(|s| TokenScope::parse(s.trim())).collect::<Result<Vec<_>, _>>()?;
            let (row, secret) = tokens::create_token(backend, Actor::CommandLine, &name, &source, &scopes)
                .await
                .context("creating the token")?;
            println!("created token {} for source {} ({})", row.token_id, row.source, row.scopes.join(","));
            println!("token: {secret}");
            println!("(shown once; store it in the sender's configuration)");
        }
        TokenCommand::List => {
            let format =
                |t: Option<time::OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or("-".into());
            for row in tokens::list_tokens(backend, Actor::CommandLine).await? {
                let state = if row.revoked_at.is_some() { "revoked" } else { "live" };
                println!(
                    "{:>4} {:<8} {:<12} {:<14} {}…  last used {}  {}",
                    row.token_id,
                    state,
                    row.source,
                    row.scopes.join(","),
                    row.prefix,
                    format(row.last_used_at),
                    row.name
                );
            }
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke_token(backend, Actor::CommandLine, id)
                .await
                .with_context(|| format!("revoking token {id}"))?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}
