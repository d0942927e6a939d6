//! `server user add|set-password|list`: account management from the shell, used to create
//! the first administrator.

use std::io::BufRead;

use anyhow::Context;
use riposte_backend::Backend;
use riposte_backend::admin::{self, Actor, NewUser};
use riposte_backend::passwords::generate_password;

use crate::config::{GlobalOptions, UserCommand};

pub async fn run(global: &GlobalOptions, command: UserCommand) -> anyhow::Result<()> {
    let (database, backend) = super::tool_backend(global).await?;
    let outcome = execute(&backend, command).await;
    database.shutdown().await?;
    outcome
}

async fn execute(backend: &Backend, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { username, role, display_name, password_stdin } => {
            let (password, generated) = password(password_stdin)?;
            let user = admin::create_user(
                backend,
                Actor::CommandLine,
                NewUser { username, display_name, role, password: password.clone() },
            )
            .await
            .context("creating the user")?;
            println!("created {} ({})", user.username, user.role);
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::SetPassword { username, password_stdin } => {
            let id = admin::find_user_id(backend, &username).await.with_context(|| format!("finding {username:?}"))?;
            let (password, generated) = password(password_stdin)?;
            admin::reset_password(backend, Actor::CommandLine, id, &password).await.context("setting the password")?;
            println!("password changed for {username}; open sessions ended");
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List => {
            for user in admin::list_users(backend, Actor::CommandLine).await? {
                let status = if user.disabled { "disabled" } else { "active" };
                println!("{:<24} {:<8} {:<9} {}", user.username, user.role, status, user.display_name);
            }
        }
    }
    Ok(())
}

/// Reads one line from stdin, or generates a password.
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
}
