//! The date formats the fakes read from requests.

use chrono::{DateTime, NaiveDate, Utc};

/// A `DD/MM/YYYY` date, as BillPro sends and takes them.
pub(crate) fn parse_dmy(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y")
        .map_err(|e| format!("`{text}` is not a DD/MM/YYYY date: {e}"))
}

/// An RFC 3339 timestamp, read into UTC.
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{text}` is not an RFC 3339 timestamp: {e}"))
}
