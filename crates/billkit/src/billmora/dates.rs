//! Calendar days from Billmora's date columns, which hold midnight in the
//! server's timezone sent as UTC.

/// Billmora's `config/app.php` default timezone (`Asia/Jakarta`, UTC+7,
/// no daylight saving); an installation may change it with `APP_TIMEZONE`.
pub const DEFAULT_SERVER_UTC_OFFSET_SECONDS: i32 = 7 * 3600;

/// The calendar day a Billmora date column holds.
///
/// Billmora stores a day the user chose (an invoice's `due_date`, a
/// service's `next_due_date` set through the API) as midnight in the
/// installation's timezone and sends that instant in UTC, so `2026-08-01`
/// on a default (`Asia/Jakarta`) server arrives as
/// `2026-07-31T17:00:00.000000Z`. Rounding to the nearest UTC midnight
/// gives the chosen day back for any server timezone from UTC−11:59 to
/// UTC+11:59; use [`calendar_day_in`] when you know the offset. Not
/// meaningful for instants the server computed with a time of day (a
/// `next_due_date` set by activation).
///
/// ```
/// use chrono::{DateTime, NaiveDate};
/// let sent = DateTime::parse_from_rfc3339("2026-07-31T17:00:00Z").unwrap().to_utc();
/// assert_eq!(billkit::billmora::calendar_day(sent), NaiveDate::from_ymd_opt(2026, 8, 1).unwrap());
/// ```
pub fn calendar_day(instant: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    (instant + chrono::Duration::hours(12)).date_naive()
}

/// The calendar day `instant` falls on at the server's UTC `offset`
/// (exact, for installations whose `APP_TIMEZONE` you know).
pub fn calendar_day_in(
    instant: chrono::DateTime<chrono::Utc>,
    offset: chrono::FixedOffset,
) -> chrono::NaiveDate {
    instant.with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_days_survive_the_server_timezone() {
        use chrono::{DateTime, FixedOffset, NaiveDate};
        let day = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
        // Midnight of 2026-08-01 in zones from UTC-11 to UTC+11, as sent in UTC.
        for hours in -11..=11 {
            let offset = FixedOffset::east_opt(hours * 3600).unwrap();
            let local_midnight = day
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_local_timezone(offset)
                .unwrap();
            let sent: DateTime<chrono::Utc> = local_midnight.to_utc();
            assert_eq!(calendar_day(sent), day, "UTC{hours:+}");
            assert_eq!(calendar_day_in(sent, offset), day, "UTC{hours:+}");
        }
    }
}
