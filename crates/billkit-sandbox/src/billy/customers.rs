//! Customers: create, get, soft delete, lists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::invoices::Owner;
use super::{
    BAD_REQUEST, Params, SandboxRequest, SandboxResponse, State, crash, ok, pyramid, ts, window,
};

/// What the scripted processor's `create_customer` answers.
const MOCK_CUSTOMER_URI: &str = "MOCK_CUSTOMER_URI";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CustomerRec {
    pub(super) guid: String,
    pub(super) company_guid: String,
    pub(super) processor_uri: Option<String>,
    pub(super) deleted: bool,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl CustomerRec {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "company_guid": self.company_guid,
            "created_at": ts(&self.created_at),
            "deleted": self.deleted,
            "guid": self.guid,
            "processor_uri": self.processor_uri,
            "updated_at": ts(&self.updated_at),
        })
    }
}

impl State {
    /// The form field `customer_guid` of an invoice or subscription create:
    /// required, and a customer of this server (the form's own wording).
    pub(super) fn customer_guid_field(
        &self,
        params: &Params,
        report: &mut super::form::Report,
    ) -> Option<String> {
        let (customer_guid, mut errors) = super::form::required_text(params, "customer_guid");
        if let Some(g) = customer_guid
            .as_deref()
            .filter(|g| self.customer(g).is_none())
        {
            errors.push(format!("No such Customer record {g}"));
        }
        report.add("customer_guid", errors);
        customer_guid
    }

    pub(super) fn customer(&self, guid: &str) -> Option<&CustomerRec> {
        self.customers.iter().find(|c| c.guid == guid)
    }

    /// `POST /v1/customers`: without a `processor_uri` the processor makes
    /// one at once.
    pub(super) fn create_customer(
        &mut self,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let c = CustomerRec {
            guid: super::new_guid("CU"),
            company_guid: company.to_owned(),
            processor_uri: Some(
                params
                    .text("processor_uri")
                    .unwrap_or_else(|| MOCK_CUSTOMER_URI.to_owned()),
            ),
            deleted: false,
            created_at: now,
            updated_at: now,
        };
        let body = c.to_json();
        self.customers.push(c);
        ok(body)
    }

    /// `DELETE /v1/customers/{guid}`: soft, and `updated_at` stays.
    pub(super) fn delete_customer(&mut self, req: &SandboxRequest, guid: &str) -> SandboxResponse {
        let Some(c) = self.customers.iter_mut().find(|c| c.guid == guid) else {
            return crash();
        };
        if c.deleted {
            return pyramid(
                req,
                BAD_REQUEST,
                &format!("Customer {guid} was already deleted"),
            );
        }
        c.deleted = true;
        ok(c.to_json())
    }

    pub(super) fn company_customers(
        &self,
        company: &str,
        processor_uri: Option<&str>,
    ) -> Vec<Value> {
        newest_first(
            self.customers
                .iter()
                .filter(|c| c.company_guid == company)
                .filter(|c| processor_uri.is_none_or(|u| c.processor_uri.as_deref() == Some(u))),
        )
    }

    /// The customer's one-off invoices.
    pub(super) fn customer_invoices(&self, guid: &str, external_id: Option<&str>) -> Vec<Value> {
        self.invoices_where(
            |i| matches!(&i.owner, Owner::Customer { customer_guid, .. } if customer_guid == guid),
            external_id,
        )
    }

    pub(super) fn customer_subscriptions(&self, guid: &str) -> Vec<Value> {
        super::subscriptions::newest_first(
            self.subscriptions
                .iter()
                .filter(|s| s.customer_guid == guid),
        )
    }

    /// Transactions of the customer's one-off invoices.
    pub(super) fn customer_transactions(&self, guid: &str) -> Vec<Value> {
        self.transactions_where(
            |i| matches!(&i.owner, Owner::Customer { customer_guid, .. } if customer_guid == guid),
        )
    }

    /// `GET /v1/plans/{guid}/customers`: Billy joins customers to the plan's
    /// subscriptions, orders by the customer's creation, applies
    /// offset/limit to those rows and only then removes repeats (SQLAlchemy
    /// uniquing), so a customer with several subscriptions is on several
    /// pages and a page may be short before the end.
    pub(super) fn plan_customers(
        &self,
        plan_guid: &str,
        processor_uri: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> SandboxResponse {
        let mut rows: Vec<&CustomerRec> = Vec::new();
        let mut customers: Vec<&CustomerRec> = self
            .customers
            .iter()
            .filter(|c| processor_uri.is_none_or(|uri| c.processor_uri.as_deref() == Some(uri)))
            .collect();
        customers.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        for c in customers {
            let n = self
                .subscriptions
                .iter()
                .filter(|s| s.plan_guid == plan_guid && s.customer_guid == c.guid)
                .count();
            rows.extend(std::iter::repeat_n(c, n));
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut items = Vec::new();
        for c in window(rows, offset, limit) {
            if !seen.contains(&c.guid.as_str()) {
                seen.push(&c.guid);
                items.push(c.to_json());
            }
        }
        ok(json!({"items": items, "limit": limit, "offset": offset}))
    }
}

/// `ORDER BY created_at DESC` (the latest record first among equals too).
fn newest_first<'a>(customers: impl Iterator<Item = &'a CustomerRec>) -> Vec<Value> {
    let mut v: Vec<&CustomerRec> = customers.collect();
    v.reverse();
    v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    v.into_iter().map(CustomerRec::to_json).collect()
}
