//! Inconsistent records planted on purpose, for tests of reconciliation,
//! and records removed behind the API's back, for tests of change feeds.
//!
//! Billy derives an invoice's `effective_amount` from its amount and
//! adjustments when it renders it, and records each charge as a
//! transaction; these methods write the stored values directly, so that a
//! reconciliation has something to find. Each answers `false` when there is
//! no such record.

use super::*;

impl BillySandbox {
    /// Makes the invoice answer `effective_amount` = `cents`, whatever its
    /// amount and adjustments (Billy always derives it; only a defect or a
    /// tampered database could part them). Its status is left as it was.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billy::BillySandbox, guid: billkit::billy::InvoiceGuid) {
    /// assert!(sandbox.plant_effective_amount(&guid, 950));
    /// # }
    /// ```
    pub fn plant_effective_amount(
        &self,
        invoice: &billkit::billy::InvoiceGuid,
        cents: i64,
    ) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(inv) = s.invoices.iter_mut().find(|i| i.guid == invoice.as_str()) else {
            return false;
        };
        inv.planted_effective_amount = Some(cents);
        true
    }

    /// Stores `amount` (in cents) as the transaction's amount, leaving its
    /// invoice as it was: a settled invoice's charges no longer add up.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billy::BillySandbox, guid: billkit::billy::TransactionGuid) {
    /// assert!(sandbox.plant_transaction_amount(&guid, 1));
    /// # }
    /// ```
    pub fn plant_transaction_amount(
        &self,
        transaction: &billkit::billy::TransactionGuid,
        amount: i64,
    ) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match s
            .transactions
            .iter_mut()
            .find(|t| t.guid == transaction.as_str())
        {
            Some(t) => {
                t.amount = amount;
                true
            }
            None => false,
        }
    }

    /// Removes the invoice (and its transactions) from the store, as a
    /// database clean-up outside the API would (Billy's API deletes no
    /// invoice): for tests of a change feed's deletions. `false` when there
    /// is no such invoice.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billy::BillySandbox, guid: billkit::billy::InvoiceGuid) {
    /// assert!(sandbox.remove_invoice(&guid));
    /// # }
    /// ```
    pub fn remove_invoice(&self, invoice: &billkit::billy::InvoiceGuid) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let before = s.invoices.len();
        s.invoices.retain(|i| i.guid != invoice.as_str());
        let removed = s.invoices.len() != before;
        if removed {
            s.transactions
                .retain(|t| t.invoice_guid != invoice.as_str());
        }
        removed
    }
}
