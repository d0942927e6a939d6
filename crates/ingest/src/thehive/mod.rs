//! TheHive's alert API, so the integrations that already feed TheHive (Wazuh, Splunk,
//! Elastalert, MISP, n8n, thehive4py) feed Riposte unchanged. v0 (TheHive 3/4: `artifacts`)
//! and v1 (TheHive 5: `observables`) bodies are both read.
//!
//! Everything TheHive knows that the normalised model has no column for (type, tlp, pap,
//! custom fields, observables, ...) is kept under `unmapped.thehive`, so the compatible API
//! can answer in TheHive's own shape.

mod alert;
mod observable;
mod patch;
pub mod query;

pub use alert::{InputError, Procedure, TheHiveAttributes, dedup_key, parse_alert, thehive_severity, unmapped_of};
pub use observable::{Observable, observable_entities, parse_observables};
pub use patch::{AlertPatch, parse_patch, status_from_thehive};
