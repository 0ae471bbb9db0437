//! Orders: the four creates, list, get, the actions, checkout renewal.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    Answer, MAX_INSTALMENTS, State, advance, as_u64, bad_request, checked_sum, error, money,
    money_opt, not_found, opt_amount, page, parse_id, stamp, text, wrapped,
};
use super::{SandboxRequest, SandboxResponse};

#[derive(Serialize, Deserialize)]
pub(super) struct Line {
    pub(super) discount: Option<Decimal>,
    pub(super) fee: Option<Decimal>,
    pub(super) subtotal: Decimal,
    pub(super) product: Value,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Order {
    pub(super) id: u64,
    pub(super) profile: u64,
    pub(super) order_type: String,
    pub(super) status: String,
    pub(super) invoice_id: String,
    pub(super) customer_id: u64,
    pub(super) customer: Value,
    pub(super) lines: Vec<Line>,
    pub(super) monthly_amount: Option<Decimal>,
    pub(super) unit: Option<String>,
    pub(super) interval: Option<u32>,
    pub(super) split_number: Option<u32>,
    pub(super) total_to_pay: Option<Decimal>,
    pub(super) count_to_pay: Option<u32>,
    pub(super) initial_amount: Decimal,
    pub(super) note: Option<String>,
    pub(super) checkout: bool,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl State {
    pub(super) fn create_order(
        &mut self,
        req: &SandboxRequest,
        kind: &str,
        profile: u64,
    ) -> Answer {
        let order_type = match kind {
            "create_single_order" => "single_payment",
            "create_instalment_order" => "instalment",
            "create_subscription_order" => "subscription",
            "create_metered_order" => "metered",
            _ => return Err(error(404, "Not Found")),
        };
        let body = wrapped(req, "order").map_err(|_| bad_request())?;
        let order = self
            .build_order(&body, order_type, profile)
            .ok_or_else(bad_request)?;
        let answer = SandboxResponse::json(201, &self.order_json(&order));
        self.orders.push(order);
        Ok(answer)
    }

    /// `None` for any invalid input: BillPro answers all of it with
    /// `{"error": "Bad Request"}`.
    pub(super) fn build_order(
        &mut self,
        body: &Map<String, Value>,
        order_type: &'static str,
        profile: u64,
    ) -> Option<Order> {
        let currency = text(body, "currency")?;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let customer_id = body.get("customer_id").and_then(as_u64)?;
        let customer = self
            .customers
            .iter()
            .find(|c| c.id == customer_id && c.profile == profile)?;
        let customer_json = json!({
            "id": customer.id,
            "customer_id": customer.json.get("customer_id"),
            "first_name": customer.json.get("first_name"),
            "last_name": customer.json.get("last_name"),
            "email": customer.json.get("email"),
            "phone": customer.json.get("phone"),
        });
        let invoice_id = text(body, "invoice_id")?;
        let raw_lines = body.get("order_products")?.as_array()?;
        if raw_lines.is_empty() || (order_type != "single_payment" && raw_lines.len() != 1) {
            return None;
        }
        let mut lines = Vec::new();
        let mut first_product = None;
        for raw in raw_lines {
            let raw = raw.as_object()?;
            let product_id = raw.get("product_id").and_then(as_u64)?;
            let product = self.products.iter().find(|p| {
                p.id == product_id && p.profile == profile && p.product_type == order_type
            })?;
            if product.currency != currency {
                return None;
            }
            let qty = match raw.get("qty") {
                None | Some(Value::Null) => 1,
                Some(v) => u32::try_from(as_u64(v)?).ok().filter(|q| *q >= 1)?,
            };
            let amount = opt_amount(raw, "amount")?.unwrap_or(product.price);
            let discount = opt_amount(raw, "discount_amount")?;
            let fee = opt_amount(raw, "fee_amount")?;
            let subtotal = amount
                .checked_mul(Decimal::from(qty))?
                .checked_sub(discount.unwrap_or_default())?
                .checked_add(fee.unwrap_or_default())?;
            if subtotal.is_sign_negative() && !subtotal.is_zero() {
                return None;
            }
            let mut product_json = product.json.clone();
            if let Some(obj) = product_json.as_object_mut() {
                obj.insert("qty".into(), json!(qty));
                obj.insert("amount".into(), json!(money(amount)));
                obj.insert("discount_amount".into(), money_opt(discount));
                obj.insert("fee_amount".into(), money_opt(fee));
                obj.insert("subtotal_amount".into(), json!(money(subtotal)));
            }
            first_product.get_or_insert((product.deposit, product.interval, product.unit));
            lines.push(Line {
                discount,
                fee,
                subtotal,
                product: product_json,
            });
        }
        let (deposit, product_interval, product_unit) = first_product?;
        let total = checked_sum(lines.iter().map(|l| l.subtotal))?;
        let initial = match opt_amount(body, "initial_amount")? {
            Some(a) => a,
            None if order_type == "instalment" => deposit.unwrap_or_default(),
            None => Decimal::ZERO,
        };
        if initial > total && order_type == "instalment" {
            return None;
        }
        let interval = match body.get("scheduled_interval") {
            None | Some(Value::Null) => product_interval,
            Some(v) => Some(u32::try_from(as_u64(v)?).ok().filter(|n| *n >= 1)?),
        };
        let unit = match body.get("scheduled_unit") {
            None | Some(Value::Null) => product_unit.map(str::to_owned),
            Some(v) => Some(
                v.as_str()
                    .filter(|u| ["DAY", "WEEK", "MONTH", "YEAR"].contains(u))?
                    .to_owned(),
            ),
        };
        let start_date = match body.get("start_date") {
            None | Some(Value::Null) => None,
            Some(v) => Some(crate::time::parse_dmy(v.as_str()?).ok()?),
        };
        let now = self.clock.now();
        self.next_order += 1;
        let mut order = Order {
            id: self.next_order,
            profile,
            order_type: order_type.to_owned(),
            status: "pending".into(),
            invoice_id,
            customer_id,
            customer: customer_json,
            lines,
            monthly_amount: None,
            unit: None,
            interval: None,
            split_number: None,
            total_to_pay: None,
            count_to_pay: None,
            initial_amount: initial,
            note: text(body, "note"),
            checkout: body
                .get("create_checkout")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            created_at: now,
            updated_at: now,
        };
        match order_type {
            "single_payment" => {
                order.total_to_pay = Some(total);
                order.count_to_pay = Some(1);
            }
            "instalment" => {
                let (interval, unit) = (interval?, unit?);
                let n = body
                    .get("split_number")
                    .and_then(as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| (1..=MAX_INSTALMENTS).contains(n))?;
                let remaining = total.checked_sub(initial)?;
                let each = (remaining / Decimal::from(n))
                    .round_dp_with_strategy(2, RoundingStrategy::ToZero);
                let last = remaining.checked_sub(each.checked_mul(Decimal::from(n - 1))?)?;
                let first = start_date.or_else(|| advance(now.date_naive(), interval, &unit))?;
                for k in 0..n {
                    let date = advance(first, interval.checked_mul(k)?, &unit)?;
                    let amount = if k + 1 == n { last } else { each };
                    self.add_payment(&order, amount, interval, &unit, date);
                }
                order.monthly_amount = Some(each);
                order.split_number = Some(n);
                order.total_to_pay = Some(total);
                order.count_to_pay = Some(n.saturating_add(u32::from(!initial.is_zero())));
                order.interval = Some(interval);
                order.unit = Some(unit);
            }
            "subscription" => {
                let (interval, unit) = (interval?, unit?);
                let first = start_date.or_else(|| advance(now.date_naive(), interval, &unit))?;
                // The next three cycles are scheduled ahead.
                for k in 0..3 {
                    let date = advance(first, interval.checked_mul(k)?, &unit)?;
                    self.add_payment(&order, total, interval, &unit, date);
                }
                order.monthly_amount = Some(total);
                order.interval = Some(interval);
                order.unit = Some(unit);
            }
            _ => {
                order.interval = interval;
                order.unit = unit;
            }
        }
        Some(order)
    }

    pub(super) fn order_json(&self, o: &Order) -> Value {
        let sum = |f: fn(&Line) -> Option<Decimal>| -> Value {
            let vals: Vec<Decimal> = o.lines.iter().filter_map(f).collect();
            if vals.is_empty() {
                Value::Null
            } else {
                checked_sum(vals.into_iter()).map_or(Value::Null, |d| json!(money(d)))
            }
        };
        let mut v = json!({
            "id": o.id,
            "profile_id": o.profile,
            "order_type": o.order_type,
            "status": o.status,
            "invoice_id": o.invoice_id,
            "customer_id": o.customer_id,
            "monthly_amount": money_opt(o.monthly_amount),
            "scheduled_duration_unit": o.unit,
            "scheduled_duration_number": o.split_number,
            "total_to_pay": money_opt(o.total_to_pay),
            "count_to_pay": o.count_to_pay,
            "description": o.note,
            "profile_payment_method": "ECOM",
            "order_source": 2,
            "collect_initial_payment": !o.initial_amount.is_zero(),
            "total_installment_amount": if o.order_type == "instalment" { money_opt(o.total_to_pay) } else { Value::Null },
            "total_discount_amount": sum(|l| l.discount),
            "total_tax_amount": Value::Null,
            "total_fee_amount": sum(|l| l.fee),
            "customer": o.customer,
            "created_at": stamp(o.created_at),
            "updated_at": stamp(o.updated_at),
        });
        if let Some(obj) = v.as_object_mut() {
            let products: Vec<Value> = o.lines.iter().map(|l| l.product.clone()).collect();
            if o.order_type == "single_payment" {
                obj.insert("products".into(), Value::Array(products));
            } else if let Some(one) = products.into_iter().next() {
                obj.insert("product".into(), one);
            }
        }
        v
    }

    pub(super) fn find_order(&self, id: &str, profile: u64) -> Result<u64, SandboxResponse> {
        self.order(id, profile).map(|o| o.id)
    }

    /// The order `id` names in `profile`; another profile's order is as
    /// missing as one that does not exist.
    fn order(&self, id: &str, profile: u64) -> Result<&Order, SandboxResponse> {
        let id = parse_id(id)?;
        self.orders
            .iter()
            .find(|o| o.id == id && o.profile == profile)
            .ok_or_else(not_found)
    }

    pub(super) fn list_orders(&self, req: &SandboxRequest, profile: u64) -> Answer {
        let items = self
            .orders
            .iter()
            .filter(|o| o.profile == profile)
            .map(|o| self.order_json(o))
            .collect();
        page(req, items)
    }

    pub(super) fn get_order(&self, id: &str, profile: u64) -> Answer {
        let order = self.order(id, profile)?;
        Ok(SandboxResponse::json(200, &self.order_json(order)))
    }

    pub(super) fn order_action(&mut self, id: &str, action: &str, profile: u64) -> Answer {
        let id = self.find_order(id, profile)?;
        let declined = self.payments.iter().any(|p| {
            p.order_id == id && matches!(p.status.as_str(), "soft-declined" | "hard-declined")
        });
        let order = self
            .orders
            .iter_mut()
            .find(|o| o.id == id)
            .ok_or_else(not_found)?;
        let (next, payments_from, payments_to): (&str, &[&str], &str) = match action {
            "cancel_order" => match order.status.as_str() {
                "draft" | "pending" | "rejected" => {
                    ("cancelled", &["scheduled", "paused"], "cancelled")
                }
                "active" | "failed" | "suspended" | "paused" | "review" => (
                    "complete",
                    &["scheduled", "soft-declined", "hard-declined", "paused"],
                    "cancelled",
                ),
                _ => return Err(error(422, "Order cannot be cancelled")),
            },
            "pause_order" => {
                if order.order_type != "subscription" || order.status != "active" {
                    return Err(error(422, "Only active subscriptions can be paused"));
                }
                ("paused", &["scheduled"], "paused")
            }
            "resume_order" => {
                if order.status != "paused" {
                    return Err(error(422, "Only paused orders can be resumed"));
                }
                (
                    if declined { "failed" } else { "active" },
                    &["paused"],
                    "scheduled",
                )
            }
            _ => return Err(error(404, "Not Found")),
        };
        let now = self.clock.now();
        order.status = next.to_owned();
        order.updated_at = now;
        for p in self.payments.iter_mut().filter(|p| p.order_id == id) {
            if payments_from.contains(&p.status.as_str()) {
                p.status = payments_to.to_owned();
                p.updated_at = now;
            }
        }
        let order = self
            .orders
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(not_found)?;
        Ok(SandboxResponse::json(200, &self.order_json(order)))
    }

    pub(super) fn renew_checkout(&mut self, id: &str, profile: u64) -> Answer {
        let order = self.order(id, profile)?;
        if !matches!(order.status.as_str(), "pending" | "draft") {
            return Err(error(
                422,
                "Checkout can only be renewed for pending orders",
            ));
        }
        let (order_id, created_with_checkout) = (order.id, order.checkout);
        self.next_checkout += 1;
        let now = self.clock.now();
        let expires = now + chrono::Duration::minutes(25);
        Ok(SandboxResponse::json(
            201,
            &json!({
                "order_id": order_id,
                "checkout_id": format!("{:032X}", self.next_checkout.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                "custom_checkout": created_with_checkout,
                "created_at": stamp(now),
                "expires_at": stamp(expires),
            }),
        ))
    }
}
