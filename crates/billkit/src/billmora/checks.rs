//! Checks every request body passes before it is sent: Billmora's own
//! validation rules let through values its columns cannot hold (a third
//! decimal place, an integer past 32 bits, a day outside `timestamp`), which
//! the server then answers with a 500 or stores rounded.

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

pub(super) fn check_opt_text(field: &str, value: Option<&String>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| crate::validate::text(field, v, max))
}

pub(super) fn check_range<T: PartialOrd + std::fmt::Display + Copy>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<()> {
    if value < min || value > max {
        return Err(Error::invalid_input(
            field,
            format!("must be between {min} and {max} (got {value})"),
        ));
    }
    Ok(())
}

/// A MySQL `integer` column is signed 32-bit; Laravel's `integer` rule lets
/// larger values through to a database error (500).
pub(super) fn check_int_column(field: &str, value: i64) -> Result<()> {
    check_range(field, value, i64::from(i32::MIN), i64::from(i32::MAX))
}

/// Billmora's amounts are `decimal(15, 2)`: two places and at most 13
/// integer digits. Laravel's `numeric` rule lets more through, and MySQL
/// then rounds (or, out of range, fails with 500).
pub(super) fn check_money_column(field: &str, value: rust_decimal::Decimal) -> Result<()> {
    if value.normalize().scale() > 2 {
        return Err(Error::invalid_input(
            field,
            format!("`{value}` has more than 2 decimal places; Billmora stores cents"),
        ));
    }
    let max = rust_decimal::Decimal::new(999_999_999_999_999, 2);
    if value.abs() > max {
        return Err(Error::invalid_input(
            field,
            format!("`{value}` is beyond Billmora's decimal(15,2) range"),
        ));
    }
    Ok(())
}

/// Billmora keeps dates in `timestamp` columns; its `date` rule lets any
/// day through. MariaDB 11.5+ (Billmora's default database) holds
/// 1970-01-01 00:00:01 to 2106-02-07 06:28:15 UTC, so days outside that
/// fail with 500 everywhere and are refused. MySQL and older MariaDB stop
/// at 2038-01-19 03:14:07: there a later day is a 500 billkit cannot
/// foresee. A day is stored as midnight in the server's timezone, so the
/// first and last day are left out.
pub(super) fn check_timestamp_day(field: &str, day: chrono::NaiveDate) -> Result<()> {
    let first = chrono::NaiveDate::from_ymd_opt(1970, 1, 2).unwrap_or_default();
    let last = chrono::NaiveDate::from_ymd_opt(2106, 2, 6).unwrap_or_default();
    if day < first || day > last {
        return Err(Error::invalid_input(
            field,
            format!("{day} is outside what Billmora's timestamp columns hold ({first} to {last})"),
        ));
    }
    Ok(())
}

pub(super) fn check_one_of<T: PartialEq + std::fmt::Display>(
    field: &str,
    value: &T,
    allowed: &[T],
) -> Result<()> {
    if allowed.contains(value) {
        return Ok(());
    }
    let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    Err(Error::invalid_input(
        field,
        format!("`{value}` is not accepted; use one of {}", list.join(", ")),
    ))
}

pub(super) fn check_password(field: &str, value: &SecretString) -> Result<()> {
    if value.expose_secret().chars().count() < 8 {
        return Err(Error::invalid_input(field, "must be at least 8 characters"));
    }
    Ok(())
}

pub(super) fn serialize_secret<S: serde::Serializer>(
    v: &SecretString,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(v.expose_secret())
}

pub(super) fn serialize_secret_opt<S: serde::Serializer>(
    v: &Option<SecretString>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(v.expose_secret()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_columns_are_decimal_15_2() {
        use rust_decimal::Decimal;
        assert!(check_money_column("x", Decimal::new(1999, 2)).is_ok());
        assert!(
            check_money_column("x", Decimal::new(19990, 3)).is_ok(),
            "19.990 is 19.99"
        );
        assert!(check_money_column("x", Decimal::new(1005, 3)).is_err());
        assert!(check_money_column("x", Decimal::new(999_999_999_999_999, 2)).is_ok());
        assert!(check_money_column("x", Decimal::new(1_000_000_000_000_000, 2)).is_err());
        assert!(check_int_column("x", i64::from(i32::MAX)).is_ok());
        assert!(check_int_column("x", i64::from(i32::MAX) + 1).is_err());
    }
}
