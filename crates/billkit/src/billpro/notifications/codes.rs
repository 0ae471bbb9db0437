//! The gateway's result-code groups, matched by the prefixes its result
//! code pages publish as regular expressions.

use super::model::{DeclineReason as D, ResultClass as C};

/// Prefix patterns, tried in order: a digit or `.` matches itself, `[..]`
/// one of a set (`[^3]` anything but `3`). The more specific groups come
/// before the broader ones they overlap (`100.380.4` before `100.38`).
const GROUPS: &[(&str, C)] = &[
    ("000.000.", C::Approved),
    ("000.100.1", C::Approved),
    ("000.[36]", C::Approved),
    ("000.400.1[12]0", C::Approved),
    ("000.400.0[^3]", C::ApprovedReview),
    ("000.400.100", C::ApprovedReview),
    ("000.200", C::Pending),
    ("800.400.5", C::PendingLong),
    ("100.400.500", C::PendingLong),
    ("000.100.2", C::Chargeback),
    ("000.400.1[0-9][1-9]", C::Declined(D::ThreeDSecureAndRisk)),
    ("000.400.2", C::Declined(D::ThreeDSecureAndRisk)),
    ("800.[17]00", C::Declined(D::Bank)),
    ("800.800.[123]", C::Declined(D::Bank)),
    ("900.[1234]00", C::Declined(D::Communication)),
    ("000.400.030", C::Declined(D::Communication)),
    ("800.[56]", C::Declined(D::System)),
    ("999.", C::Declined(D::System)),
    ("600.1", C::Declined(D::System)),
    ("800.800.[84]", C::Declined(D::System)),
    ("100.39[765]", C::Declined(D::AsyncWorkflow)),
    ("300.100.100", C::Declined(D::SoftDecline)),
    ("800.400.1", C::Declined(D::AddressValidation)),
    ("800.400.2", C::Declined(D::ThreeDSecure)),
    ("100.380.4", C::Declined(D::ThreeDSecure)),
    ("100.390", C::Declined(D::ThreeDSecure)),
    ("100.380.[23]", C::Declined(D::RiskManagement)),
    ("100.380.101", C::Declined(D::RiskManagement)),
    ("100.400", C::Declined(D::ExternalRisk)),
    ("100.38", C::Declined(D::ExternalRisk)),
    ("100.370.100", C::Declined(D::ExternalRisk)),
    ("100.370.11", C::Declined(D::ExternalRisk)),
    ("100.100.701", C::Declined(D::Blacklist)),
    ("800.[32]", C::Declined(D::Blacklist)),
    ("800.121", C::Declined(D::Configuration)),
    ("800.1[123456]0", C::Declined(D::RiskValidation)),
    ("600.[23]", C::Declined(D::Configuration)),
    ("500.[12]", C::Declined(D::Configuration)),
    ("100.[13]50", C::Declined(D::Registration)),
    ("100.250", C::Declined(D::Job)),
    ("100.360", C::Declined(D::Job)),
    ("700.[1345][05]0", C::Declined(D::Reference)),
    ("200.[123]", C::Declined(D::Format)),
    ("100.[53][07]", C::Declined(D::Format)),
    ("800.900", C::Declined(D::Format)),
    ("100.[69]00.500", C::Declined(D::Format)),
    ("100.800", C::Declined(D::Address)),
    ("100.[97]00", C::Declined(D::Contact)),
    ("100.100", C::Declined(D::Account)),
    ("100.2[01]", C::Declined(D::Account)),
    ("100.55", C::Declined(D::Amount)),
];

/// The class of `code`; [`C::Unrecognised`] unless it is `ddd.ddd.ddd` in
/// a documented group.
pub(crate) fn classify(code: &str) -> C {
    let b = code.as_bytes();
    let well_formed = b.len() == 11
        && b.iter().enumerate().all(|(i, c)| match i {
            3 | 7 => *c == b'.',
            _ => c.is_ascii_digit(),
        });
    if !well_formed {
        return C::Unrecognised;
    }
    GROUPS
        .iter()
        .find(|(pattern, _)| prefix_matches(pattern.as_bytes(), b))
        .map_or(C::Unrecognised, |(_, class)| *class)
}

fn prefix_matches(pattern: &[u8], code: &[u8]) -> bool {
    let (mut p, mut c) = (0, 0);
    while p < pattern.len() {
        let Some(&ch) = code.get(c) else {
            return false;
        };
        if pattern[p] == b'[' {
            let Some(len) = pattern[p..].iter().position(|&x| x == b']') else {
                return false;
            };
            let set = &pattern[p + 1..p + len];
            let (negated, set) = match set.split_first() {
                Some((b'^', rest)) => (true, rest),
                _ => (false, set),
            };
            let hit = if set.len() == 3 && set[1] == b'-' {
                (set[0]..=set[2]).contains(&ch)
            } else {
                set.contains(&ch)
            };
            if hit == negated {
                return false;
            }
            p += len + 1;
        } else {
            if pattern[p] != ch {
                return false;
            }
            p += 1;
        }
        c += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_group_by_an_example_code() {
        let cases = [
            ("000.000.000", C::Approved),
            ("000.000.100", C::Approved),
            ("000.100.110", C::Approved),
            ("000.300.000", C::Approved),
            ("000.600.000", C::Approved),
            ("000.400.110", C::Approved),
            ("000.400.000", C::ApprovedReview),
            ("000.400.020", C::ApprovedReview),
            ("000.400.030", C::Declined(D::Communication)),
            ("000.400.100", C::ApprovedReview),
            ("000.200.000", C::Pending),
            ("800.400.500", C::PendingLong),
            ("100.400.500", C::PendingLong),
            ("000.100.201", C::Chargeback),
            ("000.400.101", C::Declined(D::ThreeDSecureAndRisk)),
            ("000.400.200", C::Declined(D::ThreeDSecureAndRisk)),
            ("800.100.151", C::Declined(D::Bank)),
            ("800.100.153", C::Declined(D::Bank)),
            ("800.700.100", C::Declined(D::Bank)),
            ("800.800.202", C::Declined(D::Bank)),
            ("900.100.300", C::Declined(D::Communication)),
            ("800.500.100", C::Declined(D::System)),
            ("999.999.999", C::Declined(D::System)),
            ("100.397.101", C::Declined(D::AsyncWorkflow)),
            ("300.100.100", C::Declined(D::SoftDecline)),
            ("800.400.100", C::Declined(D::AddressValidation)),
            ("100.380.401", C::Declined(D::ThreeDSecure)),
            ("100.390.112", C::Declined(D::ThreeDSecure)),
            ("100.380.201", C::Declined(D::RiskManagement)),
            ("100.380.101", C::Declined(D::RiskManagement)),
            ("100.400.080", C::Declined(D::ExternalRisk)),
            ("100.380.100", C::Declined(D::ExternalRisk)),
            ("100.100.701", C::Declined(D::Blacklist)),
            ("800.300.101", C::Declined(D::Blacklist)),
            ("800.110.100", C::Declined(D::RiskValidation)),
            ("800.121.100", C::Declined(D::Configuration)),
            ("600.200.100", C::Declined(D::Configuration)),
            ("100.150.100", C::Declined(D::Registration)),
            ("100.250.100", C::Declined(D::Job)),
            ("700.100.100", C::Declined(D::Reference)),
            ("200.100.101", C::Declined(D::Format)),
            ("100.800.100", C::Declined(D::Address)),
            ("100.700.100", C::Declined(D::Contact)),
            ("100.100.100", C::Declined(D::Account)),
            ("100.550.300", C::Declined(D::Amount)),
            ("123.456.789", C::Unrecognised),
            ("000.000.00", C::Unrecognised),
            ("000,000,000", C::Unrecognised),
            ("", C::Unrecognised),
            ("000.000.0000", C::Unrecognised),
        ];
        for (code, class) in cases {
            assert_eq!(classify(code), class, "{code}");
        }
    }
}
