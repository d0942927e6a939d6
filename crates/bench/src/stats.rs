//! Latency percentiles and the printed table.

use std::time::Duration;

/// The `p`-th percentile (0–100) of sorted samples, nearest rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One scenario's figures.
pub struct Figures {
    pub name: String,
    pub alerts: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub retries: u64,
    pub copy: Duration,
    /// From the last acknowledgement until the post-commit pipeline (storm roll-up) had
    /// processed every alert.
    pub drain: Duration,
}

impl Figures {
    pub fn rate(&self) -> f64 {
        self.alerts as f64 / self.elapsed.as_secs_f64()
    }

    /// Alerts through ingest and the pipeline both, per second.
    pub fn processed_rate(&self) -> f64 {
        self.alerts as f64 / (self.elapsed + self.drain).as_secs_f64()
    }

    pub fn copy_rate(&self) -> f64 {
        self.alerts as f64 / self.copy.as_secs_f64()
    }
}

pub fn header() -> String {
    format!(
        "{:<24} {:>8} {:>10} {:>8} {:>8} {:>10} {:>7} {:>7} {:>9} {:>12}",
        "scenario", "alerts", "alerts/s", "p50 ms", "p99 ms", "COPY/s", "ratio", "429s", "drain ms", "processed/s"
    )
}

pub fn line(f: &mut Figures) -> String {
    f.latencies.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{:<24} {:>8} {:>10.0} {:>8.2} {:>8.2} {:>10.0} {:>6.0}% {:>7} {:>9.0} {:>12.0}",
        f.name,
        f.alerts,
        f.rate(),
        ms(percentile(&f.latencies, 50.0)),
        ms(percentile(&f.latencies, 99.0)),
        f.copy_rate(),
        100.0 * f.rate() / f.copy_rate(),
        f.retries,
        ms(f.drain),
        f.processed_rate()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&samples[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
