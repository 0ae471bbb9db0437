//! Products: seeded, listed and read (the API cannot create them).

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Answer, State, money, money_opt, not_found, page, parse_id, seed_time};
use super::{SandboxRequest, SandboxResponse};

pub(super) struct Product {
    pub(super) id: u64,
    pub(super) profile: u64,
    pub(super) product_type: &'static str,
    pub(super) currency: &'static str,
    pub(super) price: Decimal,
    pub(super) deposit: Option<Decimal>,
    pub(super) interval: Option<u32>,
    pub(super) unit: Option<&'static str>,
    pub(super) json: Value,
}

impl State {
    pub(super) fn add_product(&mut self, p: Product) {
        self.products.push(p);
    }
    pub(super) fn list_products(&self, req: &SandboxRequest, profile: u64) -> Answer {
        let filter = req.query_value("product_id");
        let items = self
            .products
            .iter()
            .filter(|p| p.profile == profile)
            .filter(|p| filter.is_none_or(|f| p.json["product_id"].as_str() == Some(f)))
            .map(|p| p.json.clone())
            .collect();
        page(req, items)
    }

    pub(super) fn get_product(&self, id: &str, profile: u64) -> Answer {
        let id = parse_id(id)?;
        self.products
            .iter()
            .find(|p| p.id == id && p.profile == profile)
            .map(|p| SandboxResponse::json(200, &p.json))
            .ok_or_else(not_found)
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn product_json(
    id: u64,
    kind: &str,
    currency: &str,
    price: Decimal,
    deposit: Option<Decimal>,
    interval: Option<u32>,
    unit: Option<&str>,
    discount: Value,
    tax: Value,
) -> Value {
    json!({
        "id": id,
        "product_id": format!("SBX{id:07}"),
        "currency": currency,
        "price": money(price),
        "product_type": kind,
        "product_status": "active",
        "lock_price": false,
        "lock_payment_config": false,
        "product_group": match kind { "single_payment" => "One-off", "metered" => "Usage", _ => "Plans" },
        "scheduled_interval": interval.map(|n| n.to_string()),
        "scheduled_unit": unit,
        "fee_for_initial_payment_only": false,
        "discount_for_initial_payment_only": true,
        "deposit_amount": money_opt(deposit),
        "created_at": seed_time((id % 28) as u32 + 1, (id * 37) as u32),
        "discount": discount,
        "tax": tax,
    })
}
