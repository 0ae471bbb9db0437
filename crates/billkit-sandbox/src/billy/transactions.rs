//! Transactions: what Billy submits to the payment processor, and the
//! processor itself (the local test server's scripted one).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::invoices::InvoiceRec;
use super::{SandboxResponse, State, billy_error, ts};

/// Billy's `billy.transaction.maximum_retry` on the test server.
const MAXIMUM_RETRY: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct FailureRec {
    guid: String,
    error_message: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct TransactionRec {
    pub(super) guid: String,
    pub(super) company_guid: String,
    pub(super) invoice_guid: String,
    pub(super) transaction_type: String,
    pub(super) submit_status: String,
    pub(super) status: Option<String>,
    pub(super) amount: i64,
    pub(super) funding_instrument_uri: Option<String>,
    pub(super) processor_uri: Option<String>,
    pub(super) appears_on_statement_as: Option<String>,
    pub(super) failures: Vec<FailureRec>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl TransactionRec {
    pub(super) fn to_json(&self) -> Value {
        let failures: Vec<Value> = self
            .failures
            .iter()
            .map(|f| {
                json!({
                    "created_at": ts(&f.created_at),
                    "error_code": null,
                    "error_message": f.error_message,
                    "error_number": null,
                    "guid": f.guid,
                })
            })
            .collect();
        json!({
            "amount": self.amount,
            "appears_on_statement_as": self.appears_on_statement_as,
            "created_at": ts(&self.created_at),
            "failure_count": self.failures.len(),
            "failures": failures,
            "funding_instrument_uri": self.funding_instrument_uri,
            "guid": self.guid,
            "invoice_guid": self.invoice_guid,
            "processor_uri": self.processor_uri,
            "status": self.status,
            "submit_status": self.submit_status,
            "transaction_type": self.transaction_type,
            "updated_at": ts(&self.updated_at),
        })
    }
}

/// The scripted processor's `validate_funding_instrument`: a URI with
/// `INVALID` in it is refused with a `BillyError` (400 JSON).
pub(super) fn validate_instrument(uri: Option<&str>) -> Option<SandboxResponse> {
    let uri = uri?;
    uri.to_uppercase().contains("INVALID").then(|| {
        billy_error(
            400,
            "InvalidFundingInstrument",
            format!("Scripted: invalid funding instrument {uri}"),
        )
    })
}

/// Whether the scripted processor fails a charge to `uri`.
fn fails(uri: Option<&str>) -> bool {
    let uri = uri.unwrap_or("").to_uppercase();
    uri.contains("FAIL") || uri.contains("DECLINED")
}

impl State {
    pub(super) fn transaction(&self, guid: &str) -> Option<&TransactionRec> {
        self.transactions.iter().find(|t| t.guid == guid)
    }

    /// The transactions of the invoices matching `pred`, newest first.
    pub(super) fn transactions_where(&self, pred: impl Fn(&InvoiceRec) -> bool) -> Vec<Value> {
        let invoices: Vec<&str> = self
            .invoices
            .iter()
            .filter(|i| pred(i))
            .map(|i| i.guid.as_str())
            .collect();
        newest_first(
            self.transactions
                .iter()
                .filter(|t| invoices.contains(&t.invoice_guid.as_str())),
        )
    }

    pub(super) fn company_transactions(&self, company: &str) -> Vec<Value> {
        newest_first(
            self.transactions
                .iter()
                .filter(|t| t.company_guid == company),
        )
    }

    pub(super) fn invoice_transactions(&self, guid: &str) -> Vec<Value> {
        newest_first(self.transactions.iter().filter(|t| t.invoice_guid == guid))
    }

    pub(super) fn new_transaction(
        &self,
        invoice: &InvoiceRec,
        transaction_type: &str,
        amount: i64,
        funding_instrument_uri: Option<String>,
        appears_on_statement_as: Option<String>,
        now: DateTime<Utc>,
    ) -> TransactionRec {
        TransactionRec {
            guid: super::new_guid("TX"),
            company_guid: invoice.company_guid.clone(),
            invoice_guid: invoice.guid.clone(),
            transaction_type: transaction_type.to_owned(),
            submit_status: "staged".into(),
            status: None,
            amount,
            funding_instrument_uri,
            processor_uri: None,
            appears_on_statement_as,
            failures: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Billy's `_create_transaction`: a charge (or payout) of the invoice's
    /// effective amount — whatever its sign.
    pub(super) fn stage_charge(&mut self, invoice_guid: &str, now: DateTime<Utc>) {
        let Some(invoice) = self.invoice(invoice_guid).cloned() else {
            return;
        };
        let tx = self.new_transaction(
            &invoice,
            &invoice.transaction_type,
            invoice.effective_amount(),
            invoice.funding_instrument_uri.clone(),
            invoice.appears_on_statement_as.clone(),
            now,
        );
        self.transactions.push(tx);
    }

    /// Submits the invoice's staged transactions.
    pub(super) fn process_invoice(&mut self, invoice_guid: &str, now: DateTime<Utc>) {
        let staged: Vec<String> = self
            .transactions
            .iter()
            .filter(|t| t.invoice_guid == invoice_guid && t.submit_status == "staged")
            .map(|t| t.guid.clone())
            .collect();
        for guid in staged {
            self.process_transaction(&guid, now);
        }
    }

    /// `billy-process`: submits every staged or retrying transaction again.
    pub(super) fn retry_running(&mut self, now: DateTime<Utc>) {
        let running: Vec<String> = self
            .transactions
            .iter()
            .filter(|t| t.submit_status == "staged" || t.submit_status == "retrying")
            .map(|t| t.guid.clone())
            .collect();
        for guid in running {
            self.process_transaction(&guid, now);
        }
    }

    /// Billy's `process_one` with the scripted processor.
    pub(super) fn process_transaction(&mut self, guid: &str, now: DateTime<Utc>) {
        let Some(tx) = self.transactions.iter_mut().find(|t| t.guid == guid) else {
            return;
        };
        let charge = tx.transaction_type == "debit" || tx.transaction_type == "credit";
        let invoice_guid = tx.invoice_guid.clone();
        let new_invoice_status = if fails(tx.funding_instrument_uri.as_deref()) {
            tx.submit_status = "retrying".into();
            tx.failures.push(FailureRec {
                guid: super::new_guid("TF"),
                error_message: format!(
                    "Scripted processor failure for {}",
                    tx.funding_instrument_uri.as_deref().unwrap_or("None")
                ),
                created_at: now,
            });
            tx.updated_at = now;
            if tx.failures.len() > MAXIMUM_RETRY {
                tx.submit_status = "failed".into();
                charge.then_some(("failed", false))
            } else {
                None
            }
        } else {
            tx.processor_uri = Some(format!(
                "MOCK_{}_TX_URI",
                tx.transaction_type.to_uppercase()
            ));
            tx.status = Some("succeeded".into());
            tx.submit_status = "done".into();
            tx.updated_at = now;
            charge.then_some(("settled", true))
        };
        if let Some((status, touch)) = new_invoice_status
            && let Some(invoice) = self.invoices.iter_mut().find(|i| i.guid == invoice_guid)
        {
            invoice.status = status.into();
            if touch {
                invoice.updated_at = now;
            }
        }
    }
}

/// `ORDER BY created_at DESC`.
fn newest_first<'a>(txs: impl Iterator<Item = &'a TransactionRec>) -> Vec<Value> {
    let mut v: Vec<&TransactionRec> = txs.collect();
    v.reverse();
    v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    v.into_iter().map(TransactionRec::to_json).collect()
}
