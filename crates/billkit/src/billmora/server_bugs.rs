//! Defects in Billmora's own source that make a call fail whatever the
//! client sends, and how their errors are recognised.

use crate::ApiError;

/// A defect in Billmora's own source that makes a call fail whatever the
/// client sends.
/// [`BillmoraErrorExt::known_server_bug`](super::BillmoraErrorExt::known_server_bug)
/// recognises the resulting error.
///
/// Found by reading `Billmora/billmora` (commit `7799ffac`); a later server
/// release may fix them, so billkit still sends the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KnownServerBug {
    /// `GET /services`, `GET /services/{id}` and `PUT /services/{id}`
    /// eager-load a `scalings` relation the `Service` model does not define
    /// (`app/Http/Controllers/Api/ServicesController.php:20,39,64`): 500 for
    /// any list with at least one service, every show, and every update
    /// *after* the change was saved.
    ServiceScalingsRelation,
    /// `POST /variants` always answers 500: the `variants.type` column is
    /// `NOT NULL` without a default and the API neither accepts nor sets it
    /// (`app/Http/Controllers/Api/VariantsController.php:57`,
    /// `database/migrations/2025_12_31_163849_create_variants_table.php:18`).
    VariantTypeColumn,
    /// `POST /api/domains/check` answers 422 `TLD is not supported.` for
    /// every TLD stored without a leading dot (all TLDs made in the admin
    /// UI): it looks up `.com` where the table holds `com`
    /// (`app/Http/Controllers/Api/DomainsController.php:39,42`). The same
    /// answer is given for TLDs the installation really does not sell.
    DomainCheckTldLookup,
}

impl KnownServerBug {
    /// One line a person can act on.
    pub fn description(&self) -> &'static str {
        match self {
            KnownServerBug::ServiceScalingsRelation => {
                "Billmora server bug: service endpoints load a `scalings` relation that does not exist (an update is saved before the 500)"
            }
            KnownServerBug::VariantTypeColumn => {
                "Billmora server bug: variant creation leaves the required `type` column empty; nothing was saved"
            }
            KnownServerBug::DomainCheckTldLookup => {
                "Billmora server bug (or an unsold TLD): the domain check looks TLDs up with a leading dot"
            }
        }
    }
}

impl std::fmt::Display for KnownServerBug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

/// The bug behind `api`, Billmora's refusal, if it is one of them.
pub(super) fn recognise(api: &ApiError) -> Option<KnownServerBug> {
    if api.status().as_u16() == 500 {
        // Paths are `.../api/v1/<resource>[/<id>]`, whatever the prefix.
        known_500_bug(api)
    } else {
        domain_check_bug(api)
    }
}

/// The 422 of the public domain check, whose path is `/api/domains/check`.
fn domain_check_bug(api: &ApiError) -> Option<KnownServerBug> {
    let is_check = api.method().as_str() == "POST"
        && api
            .path()
            .trim_end_matches('/')
            .ends_with("/api/domains/check");
    (is_check && api.status().as_u16() == 422 && api.message() == Some("TLD is not supported."))
        .then_some(KnownServerBug::DomainCheckTldLookup)
}

fn known_500_bug(api: &ApiError) -> Option<KnownServerBug> {
    let method = api.method().as_str();
    let path = api.path().trim_end_matches('/');
    let rest = path.rsplit_once("/api/v1/").map_or(path, |(_, r)| r);
    let mut parts = rest.split('/');
    let resource = parts.next().unwrap_or_default();
    let has_id = parts.next().is_some();
    match (method, resource, has_id) {
        ("GET" | "PUT", "services", _) => Some(KnownServerBug::ServiceScalingsRelation),
        ("POST", "variants", false) => Some(KnownServerBug::VariantTypeColumn),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billmora::BillmoraErrorExt;
    use crate::error::Error;

    fn api_error(method: crate::http::Method, path: &str, status: u16, body: &str) -> Error {
        ApiError::from_response(
            method,
            path,
            crate::http::StatusCode::from_u16(status).unwrap(),
            None,
            body.as_bytes(),
            None,
            1,
        )
        .into()
    }

    #[test]
    fn known_server_bugs_are_recognised_by_route_and_status() {
        use crate::http::Method;
        let bare = r#"{"message": "Server Error"}"#;
        let cases = [
            (
                Method::POST,
                "/billing/api/v1/variants",
                500,
                bare,
                Some(KnownServerBug::VariantTypeColumn),
            ),
            (
                Method::GET,
                "/api/v1/services",
                500,
                bare,
                Some(KnownServerBug::ServiceScalingsRelation),
            ),
            (
                Method::GET,
                "/api/v1/services/30",
                500,
                bare,
                Some(KnownServerBug::ServiceScalingsRelation),
            ),
            (
                Method::PUT,
                "/api/v1/services/30",
                500,
                bare,
                Some(KnownServerBug::ServiceScalingsRelation),
            ),
            (
                Method::POST,
                "/api/domains/check",
                422,
                r#"{"success": false, "message": "TLD is not supported."}"#,
                Some(KnownServerBug::DomainCheckTldLookup),
            ),
            // Other failures are not blamed on a known bug.
            (Method::POST, "/api/v1/invoices", 500, bare, None),
            (
                Method::POST,
                "/api/v1/orders",
                500,
                r#"{"message": "Failed to create order: Undefined array key \"coupon\""}"#,
                None,
            ),
            (Method::DELETE, "/api/v1/services/30", 500, bare, None),
            (
                Method::POST,
                "/api/v1/variants",
                422,
                r#"{"message": "x", "errors": {}}"#,
                None,
            ),
            (
                Method::POST,
                "/api/domains/check",
                422,
                r#"{"success": false, "message": "Invalid domain name format."}"#,
                None,
            ),
            (Method::GET, "/api/v1/users", 500, bare, None),
        ];
        for (method, path, status, body, want) in cases {
            let err = api_error(method.clone(), path, status, body);
            assert_eq!(err.known_server_bug(), want, "{method} {path} {status}");
        }
        assert_eq!(Error::Config("x".into()).known_server_bug(), None);
        assert!(
            KnownServerBug::ServiceScalingsRelation
                .to_string()
                .contains("scalings")
        );
    }
}
