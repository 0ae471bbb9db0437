//! Plans: create, get, soft delete, lists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::form::{self, Report};
use super::invoices::Owner;
use super::{BAD_REQUEST, Params, SandboxRequest, SandboxResponse, State, crash, ok, pyramid, ts};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PlanRec {
    pub(super) guid: String,
    pub(super) company_guid: String,
    pub(super) plan_type: String,
    pub(super) frequency: String,
    pub(super) amount: i64,
    pub(super) interval: i64,
    pub(super) deleted: bool,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl PlanRec {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "amount": self.amount,
            "company_guid": self.company_guid,
            "created_at": ts(&self.created_at),
            "deleted": self.deleted,
            "frequency": self.frequency,
            "guid": self.guid,
            "interval": self.interval,
            "plan_type": self.plan_type,
            "updated_at": ts(&self.updated_at),
        })
    }
}

impl State {
    pub(super) fn plan(&self, guid: &str) -> Option<&PlanRec> {
        self.plans.iter().find(|p| p.guid == guid)
    }

    /// `POST /v1/plans`.
    pub(super) fn create_plan(
        &mut self,
        req: &SandboxRequest,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut report = Report::default();
        let (plan_type, errors) = form::choice(params, "plan_type", &["debit", "credit"]);
        report.add("plan_type", errors);
        let (frequency, errors) = form::choice(
            params,
            "frequency",
            &["daily", "weekly", "monthly", "yearly"],
        );
        report.add("frequency", errors);
        let (amount, errors) = form::required_int(params, "amount", 50);
        report.add("amount", errors);
        let (interval, errors) = form::optional_int(params, "interval", 1);
        report.add("interval", errors);
        let (Some(plan_type), Some(frequency), Some(amount), true) =
            (plan_type, frequency, amount, report.is_empty())
        else {
            return report.response(req);
        };
        let p = PlanRec {
            guid: super::new_guid("PL"),
            company_guid: company.to_owned(),
            plan_type,
            frequency,
            amount,
            interval: interval.unwrap_or(1),
            deleted: false,
            created_at: now,
            updated_at: now,
        };
        let body = p.to_json();
        self.plans.push(p);
        ok(body)
    }

    /// `DELETE /v1/plans/{guid}`: soft, and `updated_at` stays.
    pub(super) fn delete_plan(&mut self, req: &SandboxRequest, guid: &str) -> SandboxResponse {
        let Some(p) = self.plans.iter_mut().find(|p| p.guid == guid) else {
            return crash();
        };
        if p.deleted {
            return pyramid(
                req,
                BAD_REQUEST,
                &format!("Plan {guid} was already deleted"),
            );
        }
        p.deleted = true;
        ok(p.to_json())
    }

    pub(super) fn company_plans(&self, company: &str) -> Vec<Value> {
        let mut v: Vec<&PlanRec> = self
            .plans
            .iter()
            .rev()
            .filter(|p| p.company_guid == company)
            .collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        v.into_iter().map(PlanRec::to_json).collect()
    }

    pub(super) fn plan_subscriptions(&self, guid: &str) -> Vec<Value> {
        super::subscriptions::newest_first(
            self.subscriptions.iter().filter(|s| s.plan_guid == guid),
        )
    }

    fn subscription_guids_of_plan(&self, guid: &str) -> Vec<String> {
        self.subscriptions
            .iter()
            .filter(|s| s.plan_guid == guid)
            .map(|s| s.guid.clone())
            .collect()
    }

    /// Invoices of the plan's subscriptions, latest period first.
    pub(super) fn plan_invoices(&self, guid: &str, external_id: Option<&str>) -> Vec<Value> {
        let subs = self.subscription_guids_of_plan(guid);
        self.scheduled_invoices_where(
            |i| matches!(&i.owner, Owner::Subscription { subscription_guid, .. } if subs.contains(subscription_guid)),
            external_id,
        )
    }

    pub(super) fn plan_transactions(&self, guid: &str) -> Vec<Value> {
        let subs = self.subscription_guids_of_plan(guid);
        self.transactions_where(|i| {
            matches!(&i.owner, Owner::Subscription { subscription_guid, .. } if subs.contains(subscription_guid))
        })
    }
}
