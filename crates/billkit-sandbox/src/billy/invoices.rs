//! Invoices: one-off customer invoices and the ones subscriptions file;
//! create, get, update the funding instrument, refund, cancel, lists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::form::{self, Report};
use super::{
    BAD_REQUEST, FORBIDDEN, Params, SandboxRequest, SandboxResponse, State, billy_error, crash,
    invalid_operation, ok, pyramid, ts,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) enum Owner {
    Customer {
        customer_guid: String,
        external_id: Option<String>,
    },
    Subscription {
        subscription_guid: String,
        scheduled_at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct ItemRec {
    name: String,
    amount: i64,
    item_type: Option<String>,
    quantity: Option<i64>,
    volume: Option<i64>,
    unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct InvoiceRec {
    pub(super) guid: String,
    pub(super) company_guid: String,
    pub(super) owner: Owner,
    pub(super) transaction_type: String,
    pub(super) status: String,
    pub(super) amount: i64,
    pub(super) adjustments: Vec<(i64, Option<String>)>,
    pub(super) title: Option<String>,
    pub(super) appears_on_statement_as: Option<String>,
    pub(super) funding_instrument_uri: Option<String>,
    pub(super) items: Vec<ItemRec>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    /// Set only by `plant_effective_amount`: Billy always derives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) planted_effective_amount: Option<i64>,
}

impl InvoiceRec {
    pub(super) fn total_adjustment_amount(&self) -> i64 {
        self.adjustments
            .iter()
            .fold(0i64, |sum, (a, _)| sum.saturating_add(*a))
    }

    pub(super) fn effective_amount(&self) -> i64 {
        self.planted_effective_amount
            .unwrap_or_else(|| self.amount.saturating_add(self.total_adjustment_amount()))
    }

    pub(super) fn external_id(&self) -> Option<&str> {
        match &self.owner {
            Owner::Customer { external_id, .. } => external_id.as_deref(),
            Owner::Subscription { .. } => None,
        }
    }

    pub(super) fn to_json(&self) -> Value {
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|it| {
                json!({
                    "amount": it.amount,
                    "name": it.name,
                    "quantity": it.quantity,
                    "type": it.item_type,
                    "unit": it.unit,
                    "volume": it.volume,
                })
            })
            .collect();
        let adjustments: Vec<Value> = self
            .adjustments
            .iter()
            .map(|(amount, reason)| json!({"amount": amount, "reason": reason}))
            .collect();
        let mut v = json!({
            "adjustments": adjustments,
            "amount": self.amount,
            "appears_on_statement_as": self.appears_on_statement_as,
            "created_at": ts(&self.created_at),
            "effective_amount": self.effective_amount(),
            "funding_instrument_uri": self.funding_instrument_uri,
            "guid": self.guid,
            "items": items,
            "status": self.status,
            "title": self.title,
            "total_adjustment_amount": self.total_adjustment_amount(),
            "transaction_type": self.transaction_type,
            "updated_at": ts(&self.updated_at),
        });
        if let Value::Object(map) = &mut v {
            match &self.owner {
                Owner::Customer {
                    customer_guid,
                    external_id,
                } => {
                    map.insert("invoice_type".into(), json!("customer"));
                    map.insert("customer_guid".into(), json!(customer_guid));
                    map.insert("external_id".into(), json!(external_id));
                }
                Owner::Subscription {
                    subscription_guid,
                    scheduled_at,
                } => {
                    map.insert("invoice_type".into(), json!("subscription"));
                    map.insert("subscription_guid".into(), json!(subscription_guid));
                    map.insert("scheduled_at".into(), json!(ts(scheduled_at)));
                }
            }
        }
        v
    }
}

/// `if not value: value = None` on a raw form value: blank text that
/// wtforms' `Optional` let through is kept as sent.
fn raw(params: &Params, key: &str) -> Option<String> {
    params.get(key).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl State {
    pub(super) fn invoice(&self, guid: &str) -> Option<&InvoiceRec> {
        self.invoices.iter().find(|i| i.guid == guid)
    }

    /// `ORDER BY created_at DESC`, with the `external_id` filter.
    pub(super) fn invoices_where(
        &self,
        pred: impl Fn(&InvoiceRec) -> bool,
        external_id: Option<&str>,
    ) -> Vec<Value> {
        let mut v: Vec<&InvoiceRec> = self
            .invoices
            .iter()
            .rev()
            .filter(|i| pred(i))
            .filter(|i| external_id.is_none_or(|e| i.external_id() == Some(e)))
            .collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        v.into_iter().map(InvoiceRec::to_json).collect()
    }

    /// Subscription invoices: `ORDER BY scheduled_at DESC, created_at DESC`.
    pub(super) fn scheduled_invoices_where(
        &self,
        pred: impl Fn(&InvoiceRec) -> bool,
        external_id: Option<&str>,
    ) -> Vec<Value> {
        let scheduled = |i: &InvoiceRec| match &i.owner {
            Owner::Subscription { scheduled_at, .. } => Some(*scheduled_at),
            Owner::Customer { .. } => None,
        };
        let mut v: Vec<&InvoiceRec> = self
            .invoices
            .iter()
            .rev()
            .filter(|i| pred(i))
            .filter(|i| external_id.is_none_or(|e| i.external_id() == Some(e)))
            .collect();
        v.sort_by(|a, b| {
            scheduled(b)
                .cmp(&scheduled(a))
                .then(b.created_at.cmp(&a.created_at))
        });
        v.into_iter().map(InvoiceRec::to_json).collect()
    }

    pub(super) fn company_invoices(&self, company: &str, external_id: Option<&str>) -> Vec<Value> {
        self.invoices_where(|i| i.company_guid == company, external_id)
    }

    /// Stores a new invoice and, as Billy's `InvoiceModel.create` does,
    /// stages its charge when it has an instrument and an `amount` (not
    /// effective amount) above 0, or settles it when `amount` is 0.
    pub(super) fn file_invoice(&mut self, mut invoice: InvoiceRec, now: DateTime<Utc>) {
        let charge = invoice.funding_instrument_uri.is_some() && invoice.amount > 0;
        if charge {
            invoice.status = "processing".into();
        } else if invoice.amount == 0 {
            invoice.status = "settled".into();
        }
        let guid = invoice.guid.clone();
        self.invoices.push(invoice);
        if charge {
            self.stage_charge(&guid, now);
        }
    }

    /// `POST /v1/invoices`.
    pub(super) fn create_invoice(
        &mut self,
        req: &SandboxRequest,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut report = Report::default();
        let customer_guid = self.customer_guid_field(params, &mut report);
        let (amount, errors) = form::input_required_int(params, "amount", 0);
        report.add("amount", errors);
        report.add("title", form::optional_text(params, "title", Some(128)));
        report.add("appears_on_statement_as", form::statement(params));
        let (Some(customer), Some(amount), true) = (
            customer_guid
                .as_deref()
                .and_then(|g| self.customer(g))
                .cloned(),
            amount,
            report.is_empty(),
        ) else {
            return report.response(req);
        };
        if customer.company_guid != company {
            return pyramid(
                req,
                FORBIDDEN,
                "Can only create an invoice for your own customer",
            );
        }
        if customer.deleted {
            return pyramid(
                req,
                BAD_REQUEST,
                "Cannot create an invoice for a deleted customer",
            );
        }
        let funding_instrument_uri = raw(params, "funding_instrument_uri");
        if let Some(refused) =
            super::transactions::validate_instrument(funding_instrument_uri.as_deref())
        {
            return refused;
        }
        // The unique (customer_guid, external_id) index, checked on flush
        // before the items are stored.
        let external_id = raw(params, "external_id");
        if let Some(id) = &external_id {
            let taken = self.invoices.iter().any(|i| {
                matches!(&i.owner, Owner::Customer { customer_guid, external_id: Some(e) }
                    if *customer_guid == customer.guid && e == id)
            });
            if taken {
                return billy_error(
                    409,
                    "DuplicateExternalIDError",
                    format!(
                        "Invoice {} with external_id {id} already exists",
                        customer.guid
                    ),
                );
            }
        }
        let Some(items) = items(params) else {
            return crash();
        };
        let Some(adjustments) = adjustments(params) else {
            return crash();
        };
        let invoice = InvoiceRec {
            guid: super::new_guid("IV"),
            company_guid: company.to_owned(),
            owner: Owner::Customer {
                customer_guid: customer.guid.clone(),
                external_id,
            },
            transaction_type: "debit".into(),
            status: "staged".into(),
            amount,
            adjustments,
            title: raw(params, "title"),
            appears_on_statement_as: raw(params, "appears_on_statement_as"),
            funding_instrument_uri,
            items,
            created_at: now,
            updated_at: now,
            planted_effective_amount: None,
        };
        let guid = invoice.guid.clone();
        self.file_invoice(invoice, now);
        self.process_invoice(&guid, now);
        self.invoice(&guid)
            .map(InvoiceRec::to_json)
            .map_or_else(crash, ok)
    }

    /// `PUT /v1/invoices/{guid}`: sets the instrument and charges again.
    pub(super) fn update_invoice(
        &mut self,
        req: &SandboxRequest,
        guid: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut report = Report::default();
        let (uri, errors) = form::required_text(params, "funding_instrument_uri");
        report.add("funding_instrument_uri", errors);
        let (Some(_), true) = (&uri, report.is_empty()) else {
            return report.response(req);
        };
        let uri = raw(params, "funding_instrument_uri");
        let Some(invoice) = self.invoices.iter().find(|i| i.guid == guid).cloned() else {
            return crash();
        };
        // An invoice of amount 0 takes the new instrument whatever its status.
        if invoice.amount != 0 {
            match invoice.status.as_str() {
                "staged" | "failed" => {}
                "processing" => {
                    for t in self.transactions.iter_mut().filter(|t| {
                        t.invoice_guid == guid
                            && (t.transaction_type == "debit" || t.transaction_type == "credit")
                            && (t.submit_status == "staged" || t.submit_status == "retrying")
                    }) {
                        t.submit_status = "canceled".into();
                    }
                }
                _ => {
                    return invalid_operation(
                        "Invalid operation, you can only update funding_instrument_uri when the invoice status is one of STAGED, PROCESSING and FAILED",
                    );
                }
            }
        }
        if let Some(i) = self.invoices.iter_mut().find(|i| i.guid == guid) {
            i.updated_at = now;
            i.funding_instrument_uri = uri;
            if i.amount != 0 {
                i.status = "processing".into();
            }
        }
        if invoice.amount != 0 {
            self.stage_charge(guid, now);
            self.process_invoice(guid, now);
        }
        self.invoice(guid)
            .map(InvoiceRec::to_json)
            .map_or_else(crash, ok)
    }

    /// `POST /v1/invoices/{guid}/refund`: returns the invoice, unchanged.
    pub(super) fn refund(
        &mut self,
        req: &SandboxRequest,
        guid: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut report = Report::default();
        let (amount, errors) = form::input_required_int(params, "amount", 0);
        report.add("amount", errors);
        let (Some(amount), true) = (amount, report.is_empty()) else {
            return report.response(req);
        };
        let Some(invoice) = self.invoice(guid).cloned() else {
            return crash();
        };
        if invoice.status != "settled" {
            return invalid_operation("You can only refund a settled invoice");
        }
        let refunded = self
            .transactions
            .iter()
            .filter(|t| {
                t.invoice_guid == guid
                    && t.transaction_type == "refund"
                    && matches!(t.submit_status.as_str(), "staged" | "retrying" | "done")
            })
            .fold(0i64, |sum, t| sum.saturating_add(t.amount));
        let effective = invoice.effective_amount();
        if refunded.saturating_add(amount) > effective {
            return invalid_operation(format!(
                "Refund total amount {refunded} + {amount} will exceed invoice effective amount {effective}"
            ));
        }
        // `.one()` on the settled debit: none (amount 0, a payout) or
        // several make the real server crash.
        let settled = self
            .transactions
            .iter()
            .filter(|t| {
                t.invoice_guid == guid && t.transaction_type == "debit" && t.submit_status == "done"
            })
            .count();
        if settled != 1 {
            return crash();
        }
        let tx = self.new_transaction(&invoice, "refund", amount, None, None, now);
        let tx_guid = tx.guid.clone();
        self.transactions.push(tx);
        self.process_transaction(&tx_guid, now);
        ok(invoice.to_json())
    }

    /// `POST /v1/invoices/{guid}/cancel`. Billy's query that cancels the
    /// running charges has no invoice filter: every staged or retrying
    /// charge of every invoice is canceled. Kept, as the server does it.
    pub(super) fn cancel_invoice(&mut self, guid: &str, now: DateTime<Utc>) -> SandboxResponse {
        let Some(invoice) = self.invoices.iter_mut().find(|i| i.guid == guid) else {
            return crash();
        };
        if !matches!(invoice.status.as_str(), "staged" | "processing" | "failed") {
            return invalid_operation(
                "An invoice can only be canceled when its status is one of STAGED, PROCESSING and FAILED",
            );
        }
        invoice.status = "canceled".into();
        let body = invoice.to_json();
        for t in self.transactions.iter_mut().filter(|t| {
            t.transaction_type != "refund"
                && (t.submit_status == "staged" || t.submit_status == "retrying")
        }) {
            t.submit_status = "canceled".into();
            t.updated_at = now;
        }
        ok(body)
    }
}

/// The `item_<keyword><N>` groups; `None` where the real server crashes (a
/// missing name or amount, a number that is not an integer).
fn items(params: &Params) -> Option<Vec<ItemRec>> {
    let mut items = Vec::new();
    for group in params.numbered(
        "item_",
        &["type", "name", "volume", "amount", "unit", "quantity"],
    ) {
        let mut name = None;
        let mut amount = None;
        let mut item = ItemRec::default();
        for (kw, value) in group {
            match kw.as_str() {
                "name" => name = Some(value),
                "amount" => amount = Some(form::py_int(&value)?),
                "type" => item.item_type = Some(value),
                "unit" => item.unit = Some(value),
                "quantity" => item.quantity = Some(form::py_int(&value)?),
                "volume" => item.volume = Some(form::py_int(&value)?),
                _ => {}
            }
        }
        item.name = name?;
        item.amount = amount?;
        items.push(item);
    }
    Some(items)
}

/// The `adjustment_amount<N>`/`adjustment_reason<N>` groups; `None` where
/// the real server crashes.
fn adjustments(params: &Params) -> Option<Vec<(i64, Option<String>)>> {
    let mut adjustments = Vec::new();
    for group in params.numbered("adjustment_", &["amount", "reason"]) {
        let mut amount = None;
        let mut reason = None;
        for (kw, value) in group {
            if kw == "amount" {
                amount = Some(form::py_int(&value)?);
            } else {
                reason = Some(value);
            }
        }
        adjustments.push((amount?, reason));
    }
    Some(adjustments)
}
