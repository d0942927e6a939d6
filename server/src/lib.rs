//! The Riposte server: configuration, start-up (embedded or external PostgreSQL), the HTTP
//! router with its middleware, and the command-line tools.

pub mod cli;
pub mod clock;
pub mod config;
pub mod database;
pub mod http;
pub mod syslog;
pub mod telemetry;
