//! Inconsistent records planted on purpose, for tests of reconciliation.
//!
//! A real Billmora computes an invoice's totals from its items and its
//! `amount_due` from its payments; these methods write the stored values
//! directly, as a bad migration or a hand-edited row would, so that a
//! reconciliation has something to find. Each answers `false` when there is
//! no such record.

use super::*;

impl BillmoraSandbox {
    /// Stores `total` as the invoice's total, leaving its items, subtotal,
    /// discount and `amount_due` as they were: the items no longer add up.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billmora::BillmoraSandbox) {
    /// assert!(sandbox.plant_invoice_total(1, billkit::Decimal::new(999, 2)));
    /// # }
    /// ```
    pub fn plant_invoice_total(
        &self,
        invoice_id: impl Into<billkit::billmora::InvoiceId>,
        total: Decimal,
    ) -> bool {
        self.plant(invoice_id.into(), |invoice| {
            // The amount due stays what it was (it would follow the total).
            if !invoice.contains_key("_planted_amount_due") {
                let due = super::invoices::amount_due(
                    dec(invoice.get("total")).unwrap_or_default(),
                    dec(invoice.get("_paid")).unwrap_or_default(),
                );
                invoice.insert("_planted_amount_due".into(), due);
            }
            invoice.insert("total".into(), json!(money(total)));
            true
        })
    }

    /// Stores `amount_due` as the invoice's amount due (sent as the JSON
    /// number the server sends), whatever its total and payments.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billmora::BillmoraSandbox) {
    /// assert!(sandbox.plant_invoice_amount_due(1, billkit::Decimal::new(-5, 0)));
    /// # }
    /// ```
    pub fn plant_invoice_amount_due(
        &self,
        invoice_id: impl Into<billkit::billmora::InvoiceId>,
        amount_due: Decimal,
    ) -> bool {
        let Ok(number) = serde_json::from_str::<Value>(&money(amount_due)) else {
            return false;
        };
        self.plant(invoice_id.into(), |invoice| {
            invoice.insert("_planted_amount_due".into(), number);
            true
        })
    }

    /// Stores `amount` as the amount of the invoice's item at `index` (from
    /// 0), leaving its quantity, unit price and the invoice's totals as they
    /// were. `false` also when the invoice has no such item.
    ///
    /// ```no_run
    /// # fn run(sandbox: billkit_sandbox::billmora::BillmoraSandbox) {
    /// assert!(sandbox.plant_invoice_item_amount(1, 0, billkit::Decimal::new(1, 2)));
    /// # }
    /// ```
    pub fn plant_invoice_item_amount(
        &self,
        invoice_id: impl Into<billkit::billmora::InvoiceId>,
        index: usize,
        amount: Decimal,
    ) -> bool {
        self.plant(invoice_id.into(), |invoice| {
            match invoice
                .get_mut("_items")
                .and_then(Value::as_array_mut)
                .and_then(|items| items.get_mut(index))
                .and_then(Value::as_object_mut)
            {
                Some(item) => {
                    item.insert("amount".into(), json!(money(amount)));
                    true
                }
                None => false,
            }
        })
    }

    fn plant(
        &self,
        invoice_id: billkit::billmora::InvoiceId,
        change: impl FnOnce(&mut Record) -> bool,
    ) -> bool {
        let mut s = lock(&self.state);
        match s.table_mut(Kind::Invoice).get_mut(&invoice_id.get()) {
            Some(invoice) => change(invoice),
            None => false,
        }
    }
}
