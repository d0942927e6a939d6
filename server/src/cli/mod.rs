//! Dispatches the command line: `serve` (default), `user …`, `migrate`.

mod demo_traffic;
mod serve;
mod storms;
mod tokens;
mod users;

use crate::config::{Cli, Command, ServeOptions};
use crate::database::{Database, Opener};

pub use serve::{AppState, build_router, serve};

/// For command-line tools: the database (borrowing a running server's cluster if there is
/// one) and a backend over it that runs no background work. Call `Database::shutdown` when done.
async fn tool_backend(global: &crate::config::GlobalOptions) -> anyhow::Result<(Database, riposte_backend::Backend)> {
    let database = Database::open(global, Opener::Tool).await?;
    let backend =
        riposte_backend::Backend::without_workers(database.pool.clone(), riposte_backend::AuthSettings::default())
            .await?;
    Ok((database, backend))
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(&cli.global, ServeOptions::default()).await,
        Some(Command::Serve(options)) => serve(&cli.global, options).await,
        Some(Command::User(command)) => users::run(&cli.global, command).await,
        Some(Command::Token(command)) => tokens::run(&cli.global, command).await,
        Some(Command::Storm(command)) => storms::run(&cli.global, command).await,
        Some(Command::Migrate) => {
            let database = Database::open(&cli.global, Opener::Tool).await?;
            println!("migrations applied");
            database.shutdown().await
        }
    }
}
