//! Command-line flags and environment variables; `server --help` shows every default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use riposte_domain::Role;

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Riposte: from alert to containment.")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalOptions {
    /// PostgreSQL to use. Without it, Riposte runs its own cluster in --data-dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the embedded PostgreSQL cluster keeps its data (kept between runs).
    #[arg(long, env = "RIPOSTE_DATA_DIR", default_value = ".riposte", global = true)]
    pub data_dir: PathBuf,
    /// Directory of PostgreSQL's initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin, then PATH).
    #[arg(long, env = "PG_BIN_DIR", global = true)]
    pub pg_bin_dir: Option<PathBuf>,
    /// Log format: readable text, or one JSON object per line.
    #[arg(long, env = "RIPOSTE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Database connections per server process.
    #[arg(long, env = "RIPOSTE_DB_MAX_CONNECTIONS", default_value_t = 20, global = true)]
    pub db_max_connections: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no command is given).
    Serve(ServeOptions),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage ingest/API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage storm-control policies (how floods of one signature are rolled up).
    #[command(subcommand)]
    Storm(StormCommand),
    /// Apply database migrations and exit.
    Migrate,
}

#[derive(Debug, Clone, Args)]
pub struct ServeOptions {
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Directory holding the built site (wasm, JS, CSS, public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// The URL users open, e.g. https://riposte.example.org. An https URL makes session
    /// cookies Secure; its origin is the only one allowed to change state.
    #[arg(long, env = "RIPOSTE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seed one demo account per role (password "riposte-demo"). Evaluation only.
    #[arg(long, env = "RIPOSTE_DEMO")]
    pub demo: bool,
    /// Minutes of inactivity after which a session expires.
    #[arg(long, env = "RIPOSTE_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Take the client address from X-Forwarded-For (only behind a proxy you control).
    #[arg(long, env = "RIPOSTE_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Failed sign-ins per account before it is locked for --sign-in-lockout-secs.
    #[arg(long, env = "RIPOSTE_SIGN_IN_MAX_FAILURES", default_value_t = 5)]
    pub sign_in_max_failures: i32,
    /// Failed sign-ins per client address before it is locked.
    #[arg(long, env = "RIPOSTE_SIGN_IN_ADDRESS_MAX_FAILURES", default_value_t = 20)]
    pub sign_in_address_max_failures: i32,
    /// Window in which failures are counted, in seconds.
    #[arg(long, env = "RIPOSTE_SIGN_IN_WINDOW_SECS", default_value_t = 900)]
    pub sign_in_window_secs: u64,
    /// How long a lock lasts, in seconds.
    #[arg(long, env = "RIPOSTE_SIGN_IN_LOCKOUT_SECS", default_value_t = 300)]
    pub sign_in_lockout_secs: u64,
    /// Receive syslog over UDP on this address (e.g. 0.0.0.0:514). Off unless given.
    #[arg(long, env = "RIPOSTE_SYSLOG_UDP")]
    pub syslog_udp: Option<SocketAddr>,
    /// Receive syslog over TCP on this address (octet counting or newline framing).
    #[arg(long, env = "RIPOSTE_SYSLOG_TCP")]
    pub syslog_tcp: Option<SocketAddr>,
    /// Networks allowed to send syslog (repeat or comma-separate); everyone when empty.
    #[arg(long, env = "RIPOSTE_SYSLOG_ALLOW", value_delimiter = ',')]
    pub syslog_allow: Vec<String>,
    /// Alerts and events accepted but not yet committed, beyond which senders get 429.
    #[arg(long, env = "RIPOSTE_INGEST_MAX_PENDING", default_value_t = 100_000)]
    pub ingest_max_pending: u32,
    /// Ingest transactions in flight at once (group commit): one gathers while another commits.
    #[arg(long, env = "RIPOSTE_INGEST_WRITERS", default_value_t = 2)]
    pub ingest_writers: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self::parse_from_env_defaults()
    }
}

impl ServeOptions {
    /// The options as `serve` with no flags would see them (environment included).
    fn parse_from_env_defaults() -> Self {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            options: ServeOptions,
        }
        Wrapper::parse_from(["serve"]).options
    }

    pub fn throttle(&self) -> riposte_backend::ThrottlePolicy {
        riposte_backend::ThrottlePolicy {
            account_max_failures: self.sign_in_max_failures,
            address_max_failures: self.sign_in_address_max_failures,
            window: std::time::Duration::from_secs(self.sign_in_window_secs),
            lockout: std::time::Duration::from_secs(self.sign_in_lockout_secs),
        }
    }

    pub fn syslog(&self) -> anyhow::Result<crate::syslog::SyslogOptions> {
        Ok(crate::syslog::SyslogOptions {
            udp: self.syslog_udp,
            tcp: self.syslog_tcp,
            allow: crate::syslog::AllowList::new(&self.syslog_allow)
                .map_err(|e| anyhow::anyhow!("--syslog-allow: {e}"))?,
        })
    }

    pub fn ingest(&self) -> riposte_backend::IngestSettings {
        riposte_backend::IngestSettings {
            max_pending: self.ingest_max_pending,
            writers: self.ingest_writers,
            ..Default::default()
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input with --password-stdin;
    /// otherwise a strong one is generated and printed once.
    Add {
        username: String,
        #[arg(long, value_parser = parse_role, default_value = "admin")]
        role: Role,
        #[arg(long, default_value = "")]
        display_name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the user's sessions).
    SetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; the secret is printed once.
    Create {
        /// A name that says who uses it, e.g. "suricata sensor dmz-1".
        name: String,
        /// The source its alerts are attributed to, e.g. "suricata".
        #[arg(long)]
        source: String,
        /// What it may do: ingest, read (repeat or comma-separate).
        #[arg(long, value_delimiter = ',', default_value = "ingest")]
        scope: Vec<String>,
    },
    /// List tokens with their last use.
    List,
    /// Revoke a token by id.
    Revoke { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum StormCommand {
    /// List the policies (`*` applies to sources without their own).
    List,
    /// Create or replace a source's policy.
    Set {
        /// The source, e.g. "suricata", or "*" for the default.
        source: String,
        /// Alerts of one signature shown one by one per window before the rest roll up.
        #[arg(long, default_value_t = 20)]
        threshold: u32,
        /// The counting window, and the quiet time that ends a storm, in seconds.
        #[arg(long, default_value_t = 60)]
        window_secs: u32,
        /// Entity fields that split storms: src_ip, dst_ip, dst_port, host, user.
        #[arg(long, value_delimiter = ',')]
        group_by: Vec<String>,
        /// Turn roll-up off for this source.
        #[arg(long)]
        disabled: bool,
    },
    /// Remove a source's own policy (the default applies again).
    Remove { source: String },
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(value).map_err(|e| e.to_string())
}
