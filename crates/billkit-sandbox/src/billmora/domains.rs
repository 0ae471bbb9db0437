//! The fake of Billmora's `POST /api/domains/check` (outside `/v1`, no
//! authentication, no rate limit: `app/Http/Controllers/Api/DomainsController.php`).

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn domain_check(&self, req: &SandboxRequest) -> SandboxResponse {
        let body = match req.json() {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let mut v = Validator::new(&body);
        v.string("domain", true, 255);
        if let Err(r) = v.finish() {
            return r;
        }
        let fail = |m: &str| php_json(422, &json!({"success": false, "message": m}));
        let domain = v.str("domain").unwrap_or_default().to_lowercase();
        if !server_domain_pattern(&domain) {
            return fail("Invalid domain name format.");
        }
        // `substr($fullDomain, strpos($fullDomain, '.'))` keeps the dot: the
        // lookup is for `.com`, so TLDs stored as `com` (the admin UI's only
        // form) are never found. Only `visible` TLDs count.
        let suffix = &domain[domain.find('.').unwrap_or(0)..];
        let tld = self
            .table(Kind::Tld)
            .into_iter()
            .flat_map(|t| t.values())
            .find(|t| {
                t.get("tld").and_then(Value::as_str) == Some(suffix)
                    && t.get("status") == Some(&json!("visible"))
            });
        let Some(tld) = tld else {
            return fail("TLD is not supported.");
        };
        let registrar = rec_u64(tld, "plugin_id").filter(|p| self.plugins.contains(p));
        if registrar.is_none() {
            // RegistrarService::bootPluginForTld throws; the controller
            // answers 200 with the message.
            return php_json(
                200,
                &json!({
                    "domain": domain, "available": false, "premium": false, "price": null,
                    "message": "Failed to check domain availability: No registrar provider assigned to this domain or TLD.",
                    "tld_id": tld.get("id"), "success": false
                }),
            );
        }
        // The sandbox's registrar: a name is free unless a registrant holds it.
        let taken = self
            .table(Kind::Registrant)
            .into_iter()
            .flat_map(|t| t.values())
            .any(|r| r.get("domain").and_then(Value::as_str) == Some(domain.as_str()));
        php_json(
            200,
            &json!({
                "domain": domain, "available": !taken, "premium": false, "price": null,
                "message": "", "tld_id": tld.get("id"), "success": true
            }),
        )
    }
}

/// `^[a-z0-9][a-z0-9\-]*[a-z0-9]\.[a-z]+(\.[a-z]+)?$`, as the controller checks.
fn server_domain_pattern(domain: &str) -> bool {
    let Some((label, tld)) = domain.split_once('.') else {
        return false;
    };
    let b = label.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let parts: Vec<&str> = tld.split('.').collect();
    b.len() >= 2
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter().all(|c| alnum(c) || *c == b'-')
        && parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase()))
}
