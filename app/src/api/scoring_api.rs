//! The triage score's weights and their back-test; the backend checks `ManageSettings`.

use leptos::prelude::*;
use riposte_domain::enrichment::{BacktestResult, ScoreWeights};
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The weights as a form sends them (one field each).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightForm {
    pub sev_info: f64,
    pub sev_low: f64,
    pub sev_medium: f64,
    pub sev_high: f64,
    pub sev_critical: f64,
    pub unknown_criticality: u8,
    pub internal: f64,
    pub unknown_exposure: f64,
    pub no_intel: f64,
    pub default_precision: f64,
}

impl WeightForm {
    pub fn from_weights(w: &ScoreWeights) -> WeightForm {
        let [sev_info, sev_low, sev_medium, sev_high, sev_critical] = w.severity;
        WeightForm {
            sev_info,
            sev_low,
            sev_medium,
            sev_high,
            sev_critical,
            unknown_criticality: w.unknown_criticality,
            internal: w.internal,
            unknown_exposure: w.unknown_exposure,
            no_intel: w.no_intel,
            default_precision: w.default_precision,
        }
    }

    pub fn weights(&self) -> ScoreWeights {
        ScoreWeights {
            severity: [self.sev_info, self.sev_low, self.sev_medium, self.sev_high, self.sev_critical],
            unknown_criticality: self.unknown_criticality,
            internal: self.internal,
            unknown_exposure: self.unknown_exposure,
            no_intel: self.no_intel,
            default_precision: self.default_precision,
        }
    }

    /// Each field's form name and value, in the form's order.
    pub fn fields(&self) -> [(&'static str, String); 10] {
        [
            ("sev_info", self.sev_info.to_string()),
            ("sev_low", self.sev_low.to_string()),
            ("sev_medium", self.sev_medium.to_string()),
            ("sev_high", self.sev_high.to_string()),
            ("sev_critical", self.sev_critical.to_string()),
            ("unknown_criticality", self.unknown_criticality.to_string()),
            ("internal", self.internal.to_string()),
            ("unknown_exposure", self.unknown_exposure.to_string()),
            ("no_intel", self.no_intel.to_string()),
            ("default_precision", self.default_precision.to_string()),
        ]
    }

    /// Reads the fields from a query string's values; None unless every one is a number.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Option<WeightForm> {
        let num = |f: &str| get(f).and_then(|v| v.trim().parse::<f64>().ok());
        Some(WeightForm {
            sev_info: num("sev_info")?,
            sev_low: num("sev_low")?,
            sev_medium: num("sev_medium")?,
            sev_high: num("sev_high")?,
            sev_critical: num("sev_critical")?,
            unknown_criticality: get("unknown_criticality")?.trim().parse().ok()?,
            internal: num("internal")?,
            unknown_exposure: num("unknown_exposure")?,
            no_intel: num("no_intel")?,
            default_precision: num("default_precision")?,
        })
    }
}

#[server(prefix = "/api", endpoint = "get_score_weights")]
pub async fn get_score_weights() -> Result<WeightForm, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    let weights = riposte_backend::scoring::weights(&backend()?, Actor::User(&user)).await.map_err(fail)?;
    Ok(WeightForm::from_weights(&weights))
}

#[server(prefix = "/api", endpoint = "set_score_weights")]
pub async fn set_score_weights(weights: WeightForm) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::scoring::set_weights(&backend()?, Actor::User(&user), weights.weights()).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "backtest_score_weights")]
pub async fn backtest_score_weights(weights: WeightForm, days: i32) -> Result<BacktestResult, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::scoring::backtest_weights(&backend()?, Actor::User(&user), &weights.weights(), days)
        .await
        .map_err(fail)
}
