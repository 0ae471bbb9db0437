//! Inconsistent records planted on purpose, for tests of reconciliation,
//! and records removed behind the API's back, for tests of change feeds.
//!
//! BillPro splits an instalment order's total into its scheduled payments;
//! this writes one payment's amount directly, without the changes the API
//! makes beside it (later payments, the order's `monthly_amount`), so that
//! the payments no longer add up to the order's total.

use super::*;

impl BillProSandbox {
    /// Stores `amount` as the scheduled payment's amount and changes
    /// nothing else. `false` when there is no such payment.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billpro::BillProSandbox) {
    /// assert!(sandbox.plant_scheduled_payment_amount(1, billkit::Decimal::new(1, 2)));
    /// # }
    /// ```
    pub fn plant_scheduled_payment_amount(
        &self,
        scheduled_payment_id: impl Into<ScheduledPaymentId>,
        amount: Decimal,
    ) -> bool {
        let id = scheduled_payment_id.into().get();
        let mut s = lock(&self.state);
        match s.payments.iter_mut().find(|p| p.id == id) {
            Some(p) => {
                p.amount = amount;
                true
            }
            None => false,
        }
    }

    /// Removes the scheduled payment from the store, as a database
    /// clean-up outside the API would (BillPro's API deletes none): for
    /// tests of a change feed's deletions. `false` when there is no such
    /// payment.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billpro::BillProSandbox) {
    /// assert!(sandbox.remove_scheduled_payment(1));
    /// # }
    /// ```
    pub fn remove_scheduled_payment(
        &self,
        scheduled_payment_id: impl Into<ScheduledPaymentId>,
    ) -> bool {
        let id = scheduled_payment_id.into().get();
        let mut s = lock(&self.state);
        let before = s.payments.len();
        s.payments.retain(|p| p.id != id);
        s.payments.len() != before
    }
}
