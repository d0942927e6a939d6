//! The pieces of the ingest benchmark, shared with the crash test: a server process under
//! test, HTTP load, generated alerts, the COPY baseline and the figures.

pub mod alerts;
pub mod copy;
pub mod enrichment;
pub mod load;
pub mod rng;
pub mod scratch;
pub mod server;
pub mod stats;
pub mod workspace;
