//! Wall-clock time in the epoch milliseconds the wire formats use.

use time::OffsetDateTime;

pub fn epoch_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn now_ms() -> i64 {
    epoch_ms(OffsetDateTime::now_utc())
}
