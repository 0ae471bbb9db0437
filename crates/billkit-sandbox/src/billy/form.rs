//! Billy's form checks as wtforms 1.0.5 runs them, and its report.
//!
//! The report lists the failing fields in the order Python 2 iterates the
//! `errors` dict (string hash and open addressing), so it is reproduced
//! here rather than approximated: clients that parse the report see the
//! same text as from the real server.

use chrono::{DateTime, Utc};

use super::{BAD_REQUEST, Params, SandboxRequest, SandboxResponse, pyramid};

pub(super) const REQUIRED: &str = "This field is required.";
const NOT_INTEGER: &str = "Not a valid integer value";
/// Balanced's statement characters (Billy's `STATEMENT_REXP`).
const STATEMENT_PUNCTUATION: &str = ".<>(){}[]+&!$;-%_?:#@~='\" ^\\`|";

/// Python 2's `int(text)`: surrounding white space and a sign allowed.
pub(super) fn py_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The failing fields of one form, in declaration order.
#[derive(Default)]
pub(super) struct Report {
    fields: Vec<(&'static str, Vec<String>)>,
}

impl Report {
    pub(super) fn add(&mut self, field: &'static str, errors: Vec<String>) {
        if !errors.is_empty() {
            self.fields.push((field, errors));
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Billy's `form_errors_to_bad_request`.
    pub(super) fn response(self, req: &SandboxRequest) -> SandboxResponse {
        let names: Vec<&str> = self.fields.iter().map(|(f, _)| *f).collect();
        let mut lines = vec!["<ul>".to_owned()];
        for name in py2_dict_order(&names) {
            lines.push("    <li>".into());
            lines.push(format!("        {name}:<ul>"));
            for (_, errors) in self.fields.iter().filter(|(f, _)| *f == name) {
                for e in errors {
                    lines.push(format!("            <li>{e}</li>"));
                }
            }
            lines.push("        </ul>".into());
            lines.push("    </li>".into());
        }
        lines.push("</ul>".into());
        let detail = format!(
            "There are errors in following parameters: {}",
            lines.join("\n")
        );
        pyramid(req, BAD_REQUEST, &detail)
    }
}

/// Python 2.7's string hash (no hash randomisation, 64-bit).
fn py2_hash(s: &str) -> i64 {
    let mut units = s.chars().map(|c| i64::from(u32::from(c)));
    let Some(first) = units.next() else {
        return 0;
    };
    let mut x = first << 7;
    for c in s.chars().map(|c| i64::from(u32::from(c))) {
        x = x.wrapping_mul(1_000_003) ^ c;
    }
    x ^= i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
    if x == -1 { -2 } else { x }
}

fn py2_insert<'a>(table: &mut [Option<(i64, &'a str)>], hash: i64, key: &'a str) {
    let mask = table.len() - 1;
    // C casts the hash to size_t for both the slot and the perturbation.
    let h = hash as u64;
    let mut i = h;
    let mut perturb = h;
    loop {
        let slot = usize::try_from(i & mask as u64).unwrap_or(0);
        if table[slot].is_none() {
            table[slot] = Some((hash, key));
            return;
        }
        i = (i << 2)
            .wrapping_add(i)
            .wrapping_add(perturb)
            .wrapping_add(1);
        perturb >>= 5;
    }
}

/// The order Python 2.7 iterates a dict built by inserting `keys` in turn.
pub(super) fn py2_dict_order<'a>(keys: &[&'a str]) -> Vec<&'a str> {
    let mut table: Vec<Option<(i64, &str)>> = vec![None; 8];
    let mut used = 0usize;
    for key in keys {
        if table.iter().flatten().any(|(_, k)| k == key) {
            continue;
        }
        py2_insert(&mut table, py2_hash(key), key);
        used += 1;
        if used * 3 >= table.len() * 2 {
            let mut size = 8;
            while size <= used * 4 {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for (hash, k) in old.into_iter().flatten() {
                py2_insert(&mut table, hash, k);
            }
        }
    }
    table.into_iter().flatten().map(|(_, k)| k).collect()
}

// ---- fields ----

/// A `TextField` with `Required()`: the value, or the report's errors.
pub(super) fn required_text(params: &Params, name: &str) -> (Option<String>, Vec<String>) {
    match params.get(name) {
        Some(v) if !v.trim().is_empty() => (Some(v.to_owned()), Vec::new()),
        _ => (None, vec![REQUIRED.to_owned()]),
    }
}

/// An `IntegerField`'s data and processing errors.
fn integer<'a>(params: &'a Params, name: &str) -> (Option<&'a str>, Option<i64>, Vec<String>) {
    match params.get(name) {
        None => (None, None, Vec::new()),
        Some(raw) => match py_int(raw) {
            Some(n) => (Some(raw), Some(n), Vec::new()),
            None => (Some(raw), None, vec![NOT_INTEGER.to_owned()]),
        },
    }
}

fn at_least(data: Option<i64>, min: i64, errors: &mut Vec<String>) {
    if data.is_none_or(|n| n < min) {
        errors.push(format!("Number must be at least {min}."));
    }
}

/// `IntegerField([Required(), NumberRange(min)])`: 0 counts as missing.
pub(super) fn required_int(params: &Params, name: &str, min: i64) -> (Option<i64>, Vec<String>) {
    let (_, data, mut errors) = integer(params, name);
    if data.is_none_or(|n| n == 0) {
        return (None, vec![REQUIRED.to_owned()]);
    }
    at_least(data, min, &mut errors);
    (data.filter(|_| errors.is_empty()), errors)
}

/// `IntegerField([InputRequired(), NumberRange(min)])`.
pub(super) fn input_required_int(
    params: &Params,
    name: &str,
    min: i64,
) -> (Option<i64>, Vec<String>) {
    let (raw, data, mut errors) = integer(params, name);
    if raw.is_none_or(str::is_empty) {
        return (None, vec![REQUIRED.to_owned()]);
    }
    at_least(data, min, &mut errors);
    (data.filter(|_| errors.is_empty()), errors)
}

/// `IntegerField([Optional(), NumberRange(min)])`.
pub(super) fn optional_int(params: &Params, name: &str, min: i64) -> (Option<i64>, Vec<String>) {
    let (raw, data, mut errors) = integer(params, name);
    if raw.is_none_or(|r| r.trim().is_empty()) {
        return (None, Vec::new());
    }
    at_least(data, min, &mut errors);
    (data.filter(|_| errors.is_empty()), errors)
}

/// `TextField([Optional(), Length(max)])`.
pub(super) fn optional_text(params: &Params, name: &str, max: Option<usize>) -> Vec<String> {
    let Some(value) = params.text(name) else {
        return Vec::new();
    };
    match max {
        Some(max) if value.chars().count() > max => {
            vec![format!("Field cannot be longer than {max} characters.")]
        }
        _ => Vec::new(),
    }
}

/// `appears_on_statement_as`: `[Optional(), Regexp(STATEMENT_REXP),
/// Length(max=18)]`.
pub(super) fn statement(params: &Params) -> Vec<String> {
    let Some(value) = params.text("appears_on_statement_as") else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    // Python's `$` also matches before one final newline.
    let checked = value.strip_suffix('\n').unwrap_or(&value);
    if !checked
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || STATEMENT_PUNCTUATION.contains(c))
    {
        errors.push("Invalid input.".to_owned());
    }
    if value.chars().count() > 18 {
        errors.push("Field cannot be longer than 18 characters.".to_owned());
    }
    errors
}

/// An `EnumRadioField` with `Required()`: one of `choices`, any case.
pub(super) fn choice(
    params: &Params,
    name: &str,
    choices: &[&str],
) -> (Option<String>, Vec<String>) {
    let value = params.get(name).map(str::to_lowercase);
    match value {
        Some(v) if choices.contains(&v.as_str()) => (Some(v), Vec::new()),
        _ => (None, vec![REQUIRED.to_owned()]),
    }
}

/// What `started_at` holds: a time, or the real server crashes on it.
pub(super) enum StartedAt {
    Absent,
    At(DateTime<Utc>),
    Crash,
}

/// `ISO8601Field([Optional(), NoPastValidator()])`.
pub(super) fn started_at(params: &Params, now: DateTime<Utc>) -> (StartedAt, Vec<String>) {
    let Some(raw) = params.text("started_at") else {
        return (StartedAt::Absent, Vec::new());
    };
    let text = raw.trim();
    // iso8601 reads a bare date, which Billy then fails to convert.
    if text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
        return (StartedAt::Crash, Vec::new());
    }
    // Without an offset iso8601 assumes UTC.
    let parsed = crate::time::parse_timestamp(text).ok().or_else(|| {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|n| n.and_utc())
    });
    match parsed {
        Some(t) if t < now => (
            StartedAt::Absent,
            vec![format!(
                "Datetime {} in the past is not allowed",
                super::py_str(&t)
            )],
        ),
        Some(t) => (StartedAt::At(t), Vec::new()),
        None => (
            StartedAt::Absent,
            vec![format!("Invalid ISO8601 datetime {raw}")],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dict_order_is_python_2s() {
        // Each expectation printed by Python 2.7.18 for `dict((k, 1) for k in keys)`.
        let cases: [(&[&str], &[&str]); 9] = [
            (
                &["plan_type", "frequency", "amount"],
                &["amount", "frequency", "plan_type"],
            ),
            (&["plan_type", "amount"], &["amount", "plan_type"]),
            (&["amount", "interval"], &["amount", "interval"]),
            (
                &[
                    "customer_guid",
                    "plan_guid",
                    "amount",
                    "appears_on_statement_as",
                    "started_at",
                ],
                &[
                    "appears_on_statement_as",
                    "customer_guid",
                    "plan_guid",
                    "started_at",
                    "amount",
                ],
            ),
            (
                &["plan_guid", "amount", "appears_on_statement_as"],
                &["appears_on_statement_as", "plan_guid", "amount"],
            ),
            (
                &[
                    "customer_guid",
                    "amount",
                    "title",
                    "appears_on_statement_as",
                ],
                &[
                    "appears_on_statement_as",
                    "customer_guid",
                    "amount",
                    "title",
                ],
            ),
            (
                &[
                    "customer_guid",
                    "amount",
                    "funding_instrument_uri",
                    "title",
                    "external_id",
                    "appears_on_statement_as",
                ],
                &[
                    "funding_instrument_uri",
                    "title",
                    "customer_guid",
                    "amount",
                    "appears_on_statement_as",
                    "external_id",
                ],
            ),
            (
                &[
                    "customer_guid",
                    "plan_guid",
                    "funding_instrument_uri",
                    "amount",
                    "appears_on_statement_as",
                    "started_at",
                ],
                &[
                    "funding_instrument_uri",
                    "customer_guid",
                    "amount",
                    "appears_on_statement_as",
                    "plan_guid",
                    "started_at",
                ],
            ),
            (
                &["plan_type", "frequency", "amount", "interval"],
                &["amount", "frequency", "plan_type", "interval"],
            ),
        ];
        for (keys, want) in cases {
            assert_eq!(py2_dict_order(keys), want, "{keys:?}");
        }
    }

    #[test]
    fn ints_as_python_reads_them() {
        assert_eq!(py_int(" +5 "), Some(5));
        assert_eq!(py_int("-007"), Some(-7));
        for bad in ["", "+", "1.5", "abc", "1_0", "99999999999999999999"] {
            assert_eq!(py_int(bad), None, "{bad}");
        }
    }
}
