//! Checks of caller input shared by the API clients, so the same value is
//! judged the same way by every client. Each refusal is
//! [`Error::InvalidInput`] naming the field as the API spells it.

use crate::error::{Error, Result};

/// Refuses an empty or all-blank value.
pub(crate) fn not_blank(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    Ok(())
}

/// Refuses a value longer than `max` characters.
pub(crate) fn max_chars(field: &str, value: &str, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::invalid_input(
            field,
            format!("must be at most {max} characters (got {n})"),
        ));
    }
    Ok(())
}

/// A non-blank value of at most `max` characters.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<()> {
    not_blank(field, value)?;
    max_chars(field, value, max)
}

/// Refuses what cannot be an e-mail address: one `@` between a non-empty
/// local part and domain, no white space. Finer rules differ between
/// servers and are left to them.
pub(crate) fn email(field: &str, value: &str) -> Result<()> {
    let ok = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !value.contains(char::is_whitespace);
    if !ok {
        return Err(Error::invalid_input(
            field,
            format!("`{value}` is not an e-mail address"),
        ));
    }
    Ok(())
}

/// Refuses a currency that is not three upper-case letters (ISO 4217).
pub(crate) fn currency_code(field: &str, value: &str) -> Result<()> {
    if value.len() != 3 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid_input(
            field,
            format!("`{value}` is not an ISO 4217 code such as EUR or USD"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_names_the_field_and_accepts_the_good_values() {
        assert!(not_blank("title", "x").is_ok());
        assert!(
            not_blank("title", "  ")
                .unwrap_err()
                .to_string()
                .contains("title")
        );
        assert!(max_chars("title", "ééé", 3).is_ok());
        assert!(max_chars("title", "éééé", 3).is_err());
        assert!(text("name", "", 5).is_err());
        for ok in ["dana@example.com", "a@localhost", "x+tag@sub.example.org"] {
            assert!(email("email", ok).is_ok(), "{ok}");
        }
        for bad in [
            "not-an-email",
            "@example.com",
            "dana@",
            "a@b@c",
            "da na@example.com",
            "",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(currency_code("currency", "EUR").is_ok());
        for bad in ["eur", "EU", "EURO", "E1R", ""] {
            assert!(currency_code("currency", bad).is_err(), "{bad}");
        }
    }
}
