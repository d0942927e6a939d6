//! Back-testing score weights: how proposed weights would have ranked the alerts of incidents
//! people have since closed, beside the current weights. A good change lifts true positives
//! and sinks false positives and benign alerts.

use serde::{Deserialize, Serialize};

use super::score::{ScoreInput, ScoreWeights, score};
use crate::incident::Classification;

/// One alert of a closed incident, with what its score was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestSample {
    pub alert_id: i64,
    pub title: String,
    pub classification: Classification,
    pub input: ScoreInput,
}

/// How one set of weights ranks the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Ranking {
    /// Mean score of true positives and of the rest (false positive, benign, duplicate).
    pub mean_true: f64,
    pub mean_other: f64,
    /// True positives among the highest-scored tenth of the alerts.
    pub true_in_top: usize,
    /// Alerts per priority band (P1..P4) the scores call for.
    pub by_priority: [usize; 4],
}

/// An alert whose place moved most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mover {
    pub alert_id: i64,
    pub title: String,
    pub classification: Classification,
    pub score_before: u8,
    pub score_after: u8,
    /// 1 = highest score.
    pub rank_before: usize,
    pub rank_after: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct BacktestResult {
    pub samples: usize,
    pub true_positives: usize,
    /// The size of the "top" the two rankings are compared on.
    pub top: usize,
    pub current: Ranking,
    pub proposed: Ranking,
    /// Up to 20 alerts whose rank changed most, largest change first.
    pub movers: Vec<Mover>,
}

pub fn backtest(current: &ScoreWeights, proposed: &ScoreWeights, samples: &[BacktestSample]) -> BacktestResult {
    let before: Vec<u8> = samples.iter().map(|s| score(current, &s.input).score).collect();
    let after: Vec<u8> = samples.iter().map(|s| score(proposed, &s.input).score).collect();
    let top = samples.len().div_ceil(10);
    let rank_before = ranks(&before);
    let rank_after = ranks(&after);
    let mut movers: Vec<Mover> = samples
        .iter()
        .enumerate()
        .filter(|(i, _)| rank_before[*i] != rank_after[*i])
        .map(|(i, s)| Mover {
            alert_id: s.alert_id,
            title: s.title.clone(),
            classification: s.classification,
            score_before: before[i],
            score_after: after[i],
            rank_before: rank_before[i],
            rank_after: rank_after[i],
        })
        .collect();
    movers.sort_by_key(|m| (std::cmp::Reverse(m.rank_before.abs_diff(m.rank_after)), m.alert_id));
    movers.truncate(20);
    BacktestResult {
        samples: samples.len(),
        true_positives: samples.iter().filter(|s| s.classification == Classification::TruePositive).count(),
        top,
        current: ranking(samples, &before, &rank_before, top),
        proposed: ranking(samples, &after, &rank_after, top),
        movers,
    }
}

/// Rank of each score, 1 = highest; ties share the better rank.
fn ranks(scores: &[u8]) -> Vec<usize> {
    scores.iter().map(|s| 1 + scores.iter().filter(|other| *other > s).count()).collect()
}

fn ranking(samples: &[BacktestSample], scores: &[u8], ranks: &[usize], top: usize) -> Ranking {
    let mean = |want_true: bool| {
        let picked: Vec<f64> = samples
            .iter()
            .zip(scores)
            .filter(|(s, _)| (s.classification == Classification::TruePositive) == want_true)
            .map(|(_, score)| f64::from(*score))
            .collect();
        if picked.is_empty() { 0.0 } else { picked.iter().sum::<f64>() / picked.len() as f64 }
    };
    let mut by_priority = [0; 4];
    for score in scores {
        by_priority[usize::from(crate::incident::Priority::from_score(*score).level() - 1)] += 1;
    }
    Ranking {
        mean_true: mean(true),
        mean_other: mean(false),
        true_in_top: samples
            .iter()
            .zip(ranks)
            .filter(|(s, rank)| **rank <= top && s.classification == Classification::TruePositive)
            .count(),
        by_priority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Severity;

    fn sample(id: i64, classification: Classification, critical_internal: bool) -> BacktestSample {
        BacktestSample {
            alert_id: id,
            title: format!("alert {id}"),
            classification,
            input: ScoreInput {
                severity: Some(Severity::High),
                asset: Some(if critical_internal { (5, false) } else { (2, true) }),
                ..ScoreInput::default()
            },
        }
    }

    #[test]
    fn valuing_internal_assets_more_lifts_the_true_positives_found_there() {
        // True positives hit critical internal servers; false positives hit exposed kiosks.
        let samples: Vec<BacktestSample> = (0..10)
            .map(|i| {
                if i < 3 {
                    sample(i, Classification::TruePositive, true)
                } else {
                    sample(i, Classification::FalsePositive, false)
                }
            })
            .collect();
        let current = ScoreWeights::default();
        let proposed = ScoreWeights { internal: 1.0, no_intel: 0.8, ..ScoreWeights::default() };
        let result = backtest(&current, &proposed, &samples);
        assert_eq!((result.samples, result.true_positives, result.top), (10, 3, 1));
        let separation = |r: &Ranking| r.mean_true - r.mean_other;
        assert!(separation(&result.proposed) > separation(&result.current));
        // True positives: 0.8 × 1.0 × 0.8 × 0.7 = 0.448 before, 0.8 × 1.0 × 1.0 × 0.8 = 0.64
        // after, from P3 to P2; false positives stay in P4 (22 before, 26 after).
        assert_eq!(result.current.by_priority, [0, 0, 3, 7]);
        assert_eq!(result.proposed.by_priority, [0, 3, 0, 7]);
        assert_eq!(result.current.true_in_top, 3, "ties share the top rank");
        assert!(result.movers.is_empty(), "the order itself did not change");
    }

    #[test]
    fn movers_are_listed_by_how_far_they_moved() {
        let samples =
            vec![sample(1, Classification::FalsePositive, false), sample(2, Classification::TruePositive, true)];
        // Exposure no longer counts and criticality is all: the internal server wins.
        let current = ScoreWeights { internal: 0.1, ..ScoreWeights::default() };
        let proposed = ScoreWeights { internal: 1.0, ..ScoreWeights::default() };
        let result = backtest(&current, &proposed, &samples);
        assert_eq!(result.movers.len(), 2);
        let tp = result.movers.iter().find(|m| m.alert_id == 2).expect("moved");
        assert_eq!((tp.rank_before, tp.rank_after), (2, 1));
        assert!(tp.score_after > tp.score_before);
    }
}
