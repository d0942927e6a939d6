//! The triage score: 0 to 100 from a formula administrators can read and weigh. Each factor
//! is a number between 0 and 1 with the reason it has that value, so a score explains itself:
//! "62 = severity high (0.80) × criticality 5 (1.00) × exposure internet-facing (1.00) × …".

use serde::{Deserialize, Serialize};

use super::asset::MAX_CRITICALITY;
use crate::alert::Severity;

/// The formula's weights, edited by administrators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreWeights {
    /// Informational, low, medium, high, critical.
    pub severity: [f64; 5],
    /// Criticality assumed for an address or host not in the inventory.
    pub unknown_criticality: u8,
    /// Factor for an asset not reachable from the internet (internet-facing is 1).
    pub internal: f64,
    /// Factor when no asset is known.
    pub unknown_exposure: f64,
    /// Factor without any intelligence match; a match scales from here to 1 by confidence.
    pub no_intel: f64,
    /// Precision assumed for a detection without a history of classified alerts.
    pub default_precision: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights {
            severity: [0.1, 0.3, 0.5, 0.8, 1.0],
            unknown_criticality: 3,
            internal: 0.8,
            unknown_exposure: 0.9,
            no_intel: 0.7,
            default_precision: 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeightsError {
    #[error("{0} must be a number from 0 to 1")]
    OutOfRange(&'static str),
    #[error("the criticality assumed for unknown assets must be 1 to 5")]
    Criticality,
}

impl ScoreWeights {
    pub fn validate(&self) -> Result<(), WeightsError> {
        let names = ["informational severity", "low severity", "medium severity", "high severity", "critical severity"];
        for (value, name) in self.severity.iter().zip(names) {
            check(*value, name)?;
        }
        check(self.internal, "internal exposure")?;
        check(self.unknown_exposure, "unknown exposure")?;
        check(self.no_intel, "no intelligence match")?;
        check(self.default_precision, "default precision")?;
        if !(1..=MAX_CRITICALITY).contains(&self.unknown_criticality) {
            return Err(WeightsError::Criticality);
        }
        Ok(())
    }
}

fn check(value: f64, name: &'static str) -> Result<(), WeightsError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) { Ok(()) } else { Err(WeightsError::OutOfRange(name)) }
}

/// What the formula needs to know about one alert.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreInput {
    pub severity: Option<Severity>,
    /// A CVSS base score (0 to 10) given by the source; used instead of severity.
    pub cvss: Option<f64>,
    /// The most critical asset the alert touches, if known, and whether it faces the internet.
    pub asset: Option<(u8, bool)>,
    /// The highest confidence (0 to 100) among intelligence matches.
    pub intel_confidence: Option<u8>,
    /// The detection's share of true positives among its classified alerts, and of how many.
    pub precision: Option<(f64, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub name: String,
    /// Why it has this value: "high", "5", "internet-facing", "confidence 90".
    pub reason: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    pub score: u8,
    pub factors: Vec<Factor>,
}

impl ScoreBreakdown {
    /// "62 = severity high (0.80) × criticality 5 (1.00) × …".
    pub fn explain(&self) -> String {
        let parts: Vec<String> =
            self.factors.iter().map(|f| format!("{} {} ({:.2})", f.name, f.reason, f.value)).collect();
        format!("{} = {}", self.score, parts.join(" × "))
    }
}

/// Scores one alert.
pub fn score(weights: &ScoreWeights, input: &ScoreInput) -> ScoreBreakdown {
    let mut factors = Vec::with_capacity(5);
    let factor =
        |name: &str, reason: String, value: f64| Factor { name: name.into(), reason, value: value.clamp(0.0, 1.0) };
    factors.push(match (input.cvss, input.severity) {
        (Some(cvss), _) if cvss.is_finite() => factor("CVSS", format!("{cvss:.1}"), cvss / 10.0),
        (_, severity) => {
            let severity = severity.unwrap_or(Severity::Medium);
            factor("severity", severity.as_str().to_owned(), weights.severity[severity_index(severity)])
        }
    });
    let criticality = input.asset.map_or(weights.unknown_criticality, |(c, _)| c).clamp(1, MAX_CRITICALITY);
    let known = if input.asset.is_some() { "" } else { " (not in inventory)" };
    factors.push(factor(
        "criticality",
        format!("{criticality}{known}"),
        f64::from(criticality) / f64::from(MAX_CRITICALITY),
    ));
    factors.push(match input.asset {
        Some((_, true)) => factor("exposure", "internet-facing".into(), 1.0),
        Some((_, false)) => factor("exposure", "internal".into(), weights.internal),
        None => factor("exposure", "unknown".into(), weights.unknown_exposure),
    });
    factors.push(match input.intel_confidence {
        Some(confidence) => {
            let c = f64::from(confidence.min(100)) / 100.0;
            factor("intel", format!("confidence {confidence}"), weights.no_intel + (1.0 - weights.no_intel) * c)
        }
        None => factor("intel", "no match".into(), weights.no_intel),
    });
    factors.push(match input.precision {
        Some((p, of)) => factor("precision", format!("{:.0}% true positives of {of}", p * 100.0), p),
        None => factor("precision", "no history".into(), weights.default_precision),
    });
    let product: f64 = factors.iter().map(|f| f.value).product();
    ScoreBreakdown { score: (product * 100.0).round().clamp(0.0, 100.0) as u8, factors }
}

fn severity_index(severity: Severity) -> usize {
    Severity::ALL.iter().position(|s| *s == severity).unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_high_alert_on_a_critical_internet_facing_asset_with_intel_scores_high() {
        let input = ScoreInput {
            severity: Some(Severity::High),
            asset: Some((5, true)),
            intel_confidence: Some(90),
            ..ScoreInput::default()
        };
        let b = score(&ScoreWeights::default(), &input);
        // 0.8 × 1.0 × 1.0 × (0.7 + 0.3 × 0.9 = 0.97) × 1.0 = 0.776
        assert_eq!(b.score, 78);
        assert_eq!(
            b.explain(),
            "78 = severity high (0.80) × criticality 5 (1.00) × exposure internet-facing (1.00) × intel confidence 90 (0.97) × precision no history (1.00)"
        );
    }

    #[test]
    fn unknown_assets_take_the_assumed_criticality_and_exposure() {
        let b =
            score(&ScoreWeights::default(), &ScoreInput { severity: Some(Severity::Medium), ..ScoreInput::default() });
        // 0.5 × 0.6 × 0.9 × 0.7 × 1.0 = 0.189
        assert_eq!(b.score, 19);
        assert!(b.explain().contains("criticality 3 (not in inventory) (0.60)"), "{}", b.explain());
    }

    #[test]
    fn cvss_replaces_severity_and_precision_scales_the_result() {
        let input = ScoreInput {
            severity: Some(Severity::Low),
            cvss: Some(9.8),
            asset: Some((4, false)),
            precision: Some((0.5, 12)),
            ..ScoreInput::default()
        };
        let b = score(&ScoreWeights::default(), &input);
        // 0.98 × 0.8 × 0.8 × 0.7 × 0.5 = 0.2195
        assert_eq!(b.score, 22);
        assert_eq!(b.factors[0].name, "CVSS");
        assert_eq!(b.factors[4].reason, "50% true positives of 12");
    }

    #[test]
    fn weights_change_the_ranking_and_are_checked() {
        let internal = ScoreInput { severity: Some(Severity::High), asset: Some((5, false)), ..ScoreInput::default() };
        let flat = ScoreWeights { internal: 1.0, ..ScoreWeights::default() };
        assert!(score(&flat, &internal).score > score(&ScoreWeights::default(), &internal).score);
        assert_eq!(
            ScoreWeights { internal: 1.5, ..flat.clone() }.validate(),
            Err(WeightsError::OutOfRange("internal exposure"))
        );
        assert_eq!(ScoreWeights { unknown_criticality: 0, ..flat.clone() }.validate(), Err(WeightsError::Criticality));
        assert_eq!(flat.validate(), Ok(()));
        assert_eq!(
            ScoreWeights { severity: [0.1, 0.3, f64::NAN, 0.8, 1.0], ..flat }.validate(),
            Err(WeightsError::OutOfRange("medium severity"))
        );
    }
}
