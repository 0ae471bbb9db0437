//! Scheduled payments: made with their orders, read and changed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{
    Answer, Order, State, as_u64, error, field_errors, money, not_found, opt_amount, parse_id,
    stamp, wrapped,
};
use super::{SandboxRequest, SandboxResponse};

#[derive(Serialize, Deserialize)]
pub(super) struct Payment {
    pub(super) id: u64,
    pub(super) order_id: u64,
    pub(super) profile: u64,
    pub(super) amount: Decimal,
    pub(super) status: String,
    pub(super) interval: u32,
    pub(super) unit: String,
    pub(super) date: NaiveDate,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl State {
    pub(super) fn add_payment(
        &mut self,
        order: &Order,
        amount: Decimal,
        interval: u32,
        unit: &str,
        date: NaiveDate,
    ) {
        self.next_payment += 1;
        self.payments.push(Payment {
            id: self.next_payment,
            order_id: order.id,
            profile: order.profile,
            amount,
            status: "scheduled".into(),
            interval,
            unit: unit.to_owned(),
            date,
            created_at: order.created_at,
            updated_at: order.created_at,
        });
    }

    pub(super) fn find_payment(&self, id: &str, profile: u64) -> Result<usize, SandboxResponse> {
        let id = parse_id(id)?;
        self.payments
            .iter()
            .position(|p| p.id == id && p.profile == profile)
            .ok_or_else(not_found)
    }

    pub(super) fn update_payment(
        &mut self,
        req: &SandboxRequest,
        id: &str,
        profile: u64,
    ) -> Answer {
        let i = self.find_payment(id, profile)?;
        let body = wrapped(req, "scheduled_payment")?;
        let current = &self.payments[i];
        if !matches!(
            current.status.as_str(),
            "scheduled" | "soft-declined" | "hard-declined"
        ) {
            return Err(error(
                422,
                "Only scheduled, soft-declined or hard-declined payments can be updated",
            ));
        }
        let order_id = current.order_id;
        let mut errors = BTreeMap::new();
        let status = match body.get("status") {
            None | Some(Value::Null) => None,
            Some(Value::String(s))
                if ["cancelled", "skipped", "scheduled"].contains(&s.as_str()) =>
            {
                Some(s.clone())
            }
            Some(_) => {
                errors.insert("status".to_owned(), "is invalid");
                None
            }
        };
        let amount = match opt_amount(&body, "amount") {
            Some(Some(a)) if a > Decimal::ZERO => Some(a),
            Some(None) => None,
            _ => {
                errors.insert("amount".to_owned(), "is invalid");
                None
            }
        };
        let date = match body.get("scheduled_date") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_str().map(|s| {
                crate::time::parse_dmy(s).or_else(|_| {
                    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| e.to_string())
                })
            }) {
                Some(Ok(d)) => Some(d),
                _ => {
                    errors.insert("scheduled_date".to_owned(), "is invalid");
                    None
                }
            },
        };
        let interval = match body.get("scheduled_interval") {
            None | Some(Value::Null) => None,
            Some(v) => match as_u64(v)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n >= 1)
            {
                Some(n) => Some(n),
                None => {
                    errors.insert("scheduled_interval".to_owned(), "is invalid");
                    None
                }
            },
        };
        let unit = match body.get("scheduled_duration_unit") {
            None | Some(Value::Null) => None,
            Some(Value::String(u)) if ["DAY", "WEEK", "MONTH", "YEAR"].contains(&u.as_str()) => {
                Some(u.clone())
            }
            Some(_) => {
                errors.insert("scheduled_duration_unit".to_owned(), "is invalid");
                None
            }
        };
        if !errors.is_empty() {
            return Err(field_errors(errors));
        }
        if interval.is_some() || unit.is_some() {
            let is_subscription = self
                .orders
                .iter()
                .any(|o| o.id == order_id && o.order_type == "subscription");
            let last = self
                .payments
                .iter()
                .filter(|p| p.order_id == order_id && p.status == "scheduled")
                .map(|p| p.date)
                .max();
            if !is_subscription || last != Some(self.payments[i].date) {
                return Err(error(
                    422,
                    "The cycle can only be changed on the last scheduled payment of a subscription",
                ));
            }
        }
        let now = self.clock.now();
        let this_date = self.payments[i].date;
        if let Some(a) = amount {
            // Also changes the order amount for the payments still to come.
            for p in self
                .payments
                .iter_mut()
                .filter(|p| p.order_id == order_id && p.status == "scheduled" && p.date > this_date)
            {
                p.amount = a;
                p.updated_at = now;
            }
            if let Some(o) = self.orders.iter_mut().find(|o| o.id == order_id) {
                o.monthly_amount = Some(a);
                o.updated_at = now;
            }
        }
        let p = &mut self.payments[i];
        if let Some(a) = amount {
            p.amount = a;
        }
        if let Some(d) = date {
            p.date = d;
        }
        if let Some(n) = interval {
            p.interval = n;
        }
        if let Some(u) = &unit {
            p.unit = u.clone();
        }
        if let Some(s) = status {
            p.status = s;
        }
        p.updated_at = now;
        let answer = SandboxResponse::json(200, &payment_json(p));
        let still_declined = self.payments.iter().any(|p| {
            p.order_id == order_id && matches!(p.status.as_str(), "soft-declined" | "hard-declined")
        });
        if let Some(o) = self.orders.iter_mut().find(|o| o.id == order_id) {
            if interval.is_some() || unit.is_some() {
                o.interval = interval.or(o.interval);
                o.unit = unit.or(o.unit.take());
            }
            if !still_declined && matches!(o.status.as_str(), "failed" | "suspended") {
                o.status = "active".into();
                o.updated_at = now;
            }
        }
        Ok(answer)
    }
}

pub(super) fn payment_json(p: &Payment) -> Value {
    json!({
        "id": p.id,
        "order_id": p.order_id,
        "amount": money(p.amount),
        "status": p.status,
        "scheduled_interval": p.interval.to_string(),
        "scheduled_duration_unit": p.unit,
        "scheduled_date": p.date.format("%Y-%m-%d").to_string(),
        "created_at": stamp(p.created_at),
        "updated_at": stamp(p.updated_at),
    })
}
