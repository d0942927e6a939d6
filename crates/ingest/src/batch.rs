//! What a body of events held: alerts, context events, and the records that could not be
//! read (by position and reason). Every adapter fills one.

use riposte_domain::alert::{ContextEvent, NewAlert};

use crate::RecordError;

#[derive(Debug, Default)]
pub struct Batch {
    pub alerts: Vec<NewAlert>,
    pub context: Vec<ContextEvent>,
    /// Records that could not be read, by position (from 0) and reason.
    pub errors: Vec<RecordError>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty() && self.context.is_empty()
    }

    pub fn reject(&mut self, index: usize, message: impl Into<String>) {
        self.errors.push(RecordError { index, message: message.into() });
    }

    pub fn extend(&mut self, other: Batch) {
        self.alerts.extend(other.alerts);
        self.context.extend(other.context);
        self.errors.extend(other.errors);
    }
}
