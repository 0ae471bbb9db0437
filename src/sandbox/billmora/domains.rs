//! The fake of Billmora's `POST /api/domains/check`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn domain_check(&self, req: &SandboxRequest) -> SandboxResponse {
        let body = match req.json() {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let fail = |m: &str| SandboxResponse::json(422, &json!({"success": false, "message": m}));
        let Some(domain) = body
            .get("domain")
            .and_then(Value::as_str)
            .map(|d| d.trim().to_lowercase())
            .filter(|d| !d.is_empty())
        else {
            return fail("The domain field is required.");
        };
        let Some((_, suffix)) = domain.split_once('.') else {
            return fail("Please enter a valid domain name.");
        };
        let tld = self
            .table(Kind::Tld)
            .into_iter()
            .flat_map(|t| t.values())
            .find(|t| {
                t.get("tld").and_then(Value::as_str) == Some(suffix)
                    && t.get("status") == Some(&json!("visible"))
            });
        let Some(tld) = tld else {
            return fail(&format!("The TLD .{suffix} is not supported."));
        };
        let taken = self
            .table(Kind::Registrant)
            .into_iter()
            .flat_map(|t| t.values())
            .any(|r| r.get("domain").and_then(Value::as_str) == Some(domain.as_str()));
        let price = tld
            .get("_prices")
            .and_then(Value::as_array)
            .and_then(|p| p.first())
            .and_then(|p| p.get("register_price"))
            .cloned()
            .unwrap_or(Value::Null);
        SandboxResponse::json(
            200,
            &json!({
                "domain": domain, "available": !taken, "premium": false,
                "price": price,
                "message": if taken { "Domain is already registered." } else { "Domain is available for registration." },
                "tld_id": tld.get("id"), "success": true
            }),
        )
    }
}
