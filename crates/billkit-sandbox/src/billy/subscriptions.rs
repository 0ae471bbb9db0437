//! Subscriptions: create (billing the first period at once unless it
//! starts later), get, cancel, lists, and the scheduled billing.

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::form::{self, Report, StartedAt};
use super::invoices::{InvoiceRec, Owner};
use super::{
    BAD_REQUEST, FORBIDDEN, Params, SandboxRequest, SandboxResponse, State, crash, ok, pyramid, ts,
    ts_opt,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SubscriptionRec {
    pub(super) guid: String,
    pub(super) company_guid: String,
    pub(super) customer_guid: String,
    pub(super) plan_guid: String,
    pub(super) amount: Option<i64>,
    pub(super) effective_amount: i64,
    pub(super) funding_instrument_uri: Option<String>,
    pub(super) appears_on_statement_as: Option<String>,
    pub(super) invoice_count: i64,
    pub(super) canceled: bool,
    pub(super) canceled_at: Option<DateTime<Utc>>,
    pub(super) started_at: DateTime<Utc>,
    pub(super) next_invoice_at: DateTime<Utc>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl SubscriptionRec {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "amount": self.amount,
            "appears_on_statement_as": self.appears_on_statement_as,
            "canceled": self.canceled,
            "canceled_at": ts_opt(&self.canceled_at),
            "created_at": ts(&self.created_at),
            "customer_guid": self.customer_guid,
            "effective_amount": self.effective_amount,
            "funding_instrument_uri": self.funding_instrument_uri,
            "guid": self.guid,
            "invoice_count": self.invoice_count,
            "next_invoice_at": ts(&self.next_invoice_at),
            "plan_guid": self.plan_guid,
            "started_at": ts(&self.started_at),
            "updated_at": ts(&self.updated_at),
        })
    }
}

/// `ORDER BY created_at DESC`.
pub(super) fn newest_first<'a>(subs: impl Iterator<Item = &'a SubscriptionRec>) -> Vec<Value> {
    let mut v: Vec<&SubscriptionRec> = subs.collect();
    v.reverse();
    v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    v.into_iter().map(SubscriptionRec::to_json).collect()
}

/// dateutil's `relativedelta`: months clamp to the month's last day.
pub(super) fn add_period(
    t: DateTime<Utc>,
    frequency: &str,
    interval: i64,
    n: i64,
) -> DateTime<Utc> {
    let steps = interval.saturating_mul(n).clamp(0, 100_000);
    let months = |m: i64| {
        t.checked_add_months(Months::new(u32::try_from(m).unwrap_or(u32::MAX)))
            .unwrap_or(t)
    };
    match frequency {
        "daily" => t
            .checked_add_signed(chrono::Duration::days(steps))
            .unwrap_or(t),
        "weekly" => t
            .checked_add_signed(chrono::Duration::weeks(steps))
            .unwrap_or(t),
        "yearly" => months(steps.saturating_mul(12)),
        _ => months(steps),
    }
}

impl State {
    pub(super) fn subscription(&self, guid: &str) -> Option<&SubscriptionRec> {
        self.subscriptions.iter().find(|s| s.guid == guid)
    }

    /// `POST /v1/subscriptions`.
    pub(super) fn create_subscription(
        &mut self,
        req: &SandboxRequest,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut report = Report::default();
        let customer_guid = self.customer_guid_field(params, &mut report);
        let (plan_guid, mut errors) = form::required_text(params, "plan_guid");
        if let Some(g) = plan_guid.as_deref().filter(|g| self.plan(g).is_none()) {
            errors.push(format!("No such Plan record {g}"));
        }
        report.add("plan_guid", errors);
        let (amount, errors) = form::optional_int(params, "amount", 50);
        report.add("amount", errors);
        report.add("appears_on_statement_as", form::statement(params));
        let (started_at, errors) = form::started_at(params, now);
        report.add("started_at", errors);
        if !report.is_empty() {
            return report.response(req);
        }
        let started_at = match started_at {
            StartedAt::Crash => return crash(),
            StartedAt::At(t) => Some(t),
            StartedAt::Absent => None,
        };
        let (Some(customer), Some(plan)) = (
            customer_guid
                .as_deref()
                .and_then(|g| self.customer(g))
                .cloned(),
            plan_guid.as_deref().and_then(|g| self.plan(g)).cloned(),
        ) else {
            return crash();
        };
        if customer.company_guid != company {
            return pyramid(req, FORBIDDEN, "Can only subscribe to your own customer");
        }
        if customer.deleted {
            return pyramid(req, BAD_REQUEST, "Cannot subscript to a deleted customer");
        }
        if plan.company_guid != company {
            return pyramid(req, FORBIDDEN, "Can only subscribe to your own plan");
        }
        if plan.deleted {
            return pyramid(req, BAD_REQUEST, "Cannot subscript to a deleted plan");
        }
        let funding_instrument_uri = params.text("funding_instrument_uri");
        if let Some(refused) =
            super::transactions::validate_instrument(funding_instrument_uri.as_deref())
        {
            return refused;
        }
        let start = started_at.unwrap_or(now);
        self.subscriptions.push(SubscriptionRec {
            guid: super::new_guid("SU"),
            company_guid: company.to_owned(),
            customer_guid: customer.guid.clone(),
            plan_guid: plan.guid.clone(),
            amount,
            effective_amount: amount.unwrap_or(plan.amount),
            funding_instrument_uri,
            appears_on_statement_as: params.text("appears_on_statement_as"),
            invoice_count: 0,
            canceled: false,
            canceled_at: None,
            started_at: start,
            next_invoice_at: start,
            created_at: now,
            updated_at: now,
        });
        let index = self.subscriptions.len() - 1;
        let filed = self.bill_due(index, now);
        // Not deferred: the first invoice's charge is submitted at once.
        if started_at.is_none() {
            for invoice in filed {
                self.process_invoice(&invoice, now);
            }
        }
        self.subscriptions
            .get(index)
            .map(SubscriptionRec::to_json)
            .map_or_else(crash, ok)
    }

    /// `POST /v1/subscriptions/{guid}/cancel`: no refund, `updated_at` stays.
    pub(super) fn cancel_subscription(
        &mut self,
        req: &SandboxRequest,
        guid: &str,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let Some(sub) = self.subscriptions.iter_mut().find(|s| s.guid == guid) else {
            return crash();
        };
        if sub.canceled {
            return pyramid(req, BAD_REQUEST, "Cannot cancel a canceled subscription");
        }
        sub.canceled = true;
        sub.canceled_at = Some(now);
        ok(sub.to_json())
    }

    pub(super) fn company_subscriptions(&self, company: &str) -> Vec<Value> {
        newest_first(
            self.subscriptions
                .iter()
                .filter(|s| s.company_guid == company),
        )
    }

    /// The subscription's invoices, latest period first.
    pub(super) fn subscription_invoices(
        &self,
        guid: &str,
        external_id: Option<&str>,
    ) -> Vec<Value> {
        self.scheduled_invoices_where(
            |i| matches!(&i.owner, Owner::Subscription { subscription_guid, .. } if subscription_guid == guid),
            external_id,
        )
    }

    pub(super) fn subscription_transactions(&self, guid: &str) -> Vec<Value> {
        self.transactions_where(|i| {
            matches!(&i.owner, Owner::Subscription { subscription_guid, .. } if subscription_guid == guid)
        })
    }

    /// Billy's `yield_invoices` for subscription `index`: files the
    /// invoices it owes up to `now` (with their charges staged) and returns
    /// their GUIDs.
    pub(super) fn bill_due(&mut self, index: usize, now: DateTime<Utc>) -> Vec<String> {
        let mut filed = Vec::new();
        loop {
            let Some(sub) = self.subscriptions.get(index) else {
                return filed;
            };
            if sub.canceled || sub.next_invoice_at > now || filed.len() >= 1000 {
                return filed;
            }
            let Some(plan) = self.plan(&sub.plan_guid) else {
                return filed;
            };
            let (frequency, interval) = (plan.frequency.clone(), plan.interval);
            let invoice = InvoiceRec {
                guid: super::new_guid("IV"),
                company_guid: sub.company_guid.clone(),
                owner: Owner::Subscription {
                    subscription_guid: sub.guid.clone(),
                    scheduled_at: sub.next_invoice_at,
                },
                transaction_type: plan.plan_type.clone(),
                status: "staged".into(),
                amount: sub.effective_amount,
                adjustments: Vec::new(),
                title: None,
                appears_on_statement_as: sub.appears_on_statement_as.clone(),
                funding_instrument_uri: sub.funding_instrument_uri.clone(),
                items: Vec::new(),
                created_at: now,
                updated_at: now,
                planted_effective_amount: None,
            };
            filed.push(invoice.guid.clone());
            self.file_invoice(invoice, now);
            if let Some(sub) = self.subscriptions.get_mut(index) {
                sub.invoice_count += 1;
                sub.next_invoice_at =
                    add_period(sub.started_at, &frequency, interval, sub.invoice_count);
            }
        }
    }

    /// `billy-process`: every subscription's due invoices, charged.
    pub(super) fn bill_all_due(&mut self, now: DateTime<Utc>) -> usize {
        let mut count = 0;
        for index in 0..self.subscriptions.len() {
            for invoice in self.bill_due(index, now) {
                self.process_invoice(&invoice, now);
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let t = crate::time::parse_timestamp("2013-01-30T00:00:00Z").unwrap();
        let at = |f, i, n| ts(&add_period(t, f, i, n));
        assert_eq!(at("monthly", 1, 1), "2013-02-28T00:00:00+00:00");
        assert_eq!(at("weekly", 2, 1), "2013-02-13T00:00:00+00:00");
        assert_eq!(at("yearly", 1, 1), "2014-01-30T00:00:00+00:00");
        assert_eq!(at("daily", 3, 1), "2013-02-02T00:00:00+00:00");
    }
}
