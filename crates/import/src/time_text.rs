//! Times written in import files: RFC 3339 (`2027-01-31T12:00:00Z`) or a date (`2027-01-31`,
//! meaning its start in UTC).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// Milliseconds since the epoch, or a message naming the text.
pub fn epoch_ms(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let at = OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| Date::parse(text, format_description!("[year]-[month]-[day]")).map(|d| d.midnight().assume_utc()))
        .map_err(|_| format!("\"{text}\" is not a time (2027-01-31 or 2027-01-31T12:00:00Z)"))?;
    Ok(i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(epoch_ms("1970-01-02"), Ok(86_400_000));
        assert_eq!(epoch_ms("1970-01-01T00:00:01.5Z"), Ok(1_500));
        assert!(epoch_ms("tomorrow").expect_err("bad").contains("\"tomorrow\""));
    }
}
