//! Server settings for Riposte's workload: a steady stream of small writes (alerts, links,
//! counters) that must be durable when acknowledged. PostgreSQL's stock values suit a tiny
//! machine; with them, backends evict dirty pages themselves and checkpoints come every few
//! seconds under load, each one followed by a burst of full-page images in the WAL.

/// Smallest and largest shared buffer pool we choose by ourselves.
const MIN_SHARED_BUFFERS_MB: u64 = 128;
const MAX_SHARED_BUFFERS_MB: u64 = 2048;

/// The settings appended to the cluster's configuration, for a machine with `memory_mb`.
pub fn settings(memory_mb: Option<u64>) -> String {
    // A quarter of memory, the usual advice for a database sharing its machine.
    let shared_mb =
        memory_mb.map_or(MIN_SHARED_BUFFERS_MB, |m| m / 4).clamp(MIN_SHARED_BUFFERS_MB, MAX_SHARED_BUFFERS_MB);
    let cache_mb = memory_mb.map_or(shared_mb * 2, |m| m / 2).max(shared_mb);
    format!(
        "shared_buffers = '{shared_mb}MB'\n\
         effective_cache_size = '{cache_mb}MB'\n\
         max_wal_size = '4GB'\n\
         min_wal_size = '512MB'\n\
         checkpoint_timeout = '15min'\n\
         checkpoint_completion_target = 0.9\n"
    )
}

/// Total memory from `/proc/meminfo`, if this is Linux and it can be read.
pub fn memory_mb() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem_total(&info)
}

fn parse_mem_total(info: &str) -> Option<u64> {
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_take_a_quarter_of_memory_within_bounds() {
        assert!(settings(Some(24 * 1024)).contains("shared_buffers = '2048MB'"));
        assert!(settings(Some(4096)).contains("shared_buffers = '1024MB'"));
        assert!(settings(Some(256)).contains("shared_buffers = '128MB'"));
        assert!(settings(None).contains("shared_buffers = '128MB'"));
    }

    #[test]
    fn reads_mem_total() {
        let info = "MemTotal:       24578952 kB\nMemFree:        1 kB\n";
        assert_eq!(parse_mem_total(info), Some(24002));
        assert_eq!(parse_mem_total("nothing"), None);
    }
}
