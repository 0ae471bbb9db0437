//! The fake of Billmora's `/invoices`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn create_invoice(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        if v.required("user_id") && !self.exists(Kind::User, v.u64("user_id")) {
            v.fail("user_id", "The selected user id is invalid.");
        }
        v.date("due_date", true);
        v.one_of(
            "status",
            false,
            &["unpaid", "paid", "cancelled", "refunded"],
        );
        v.string("currency", false, 10);
        v.string("notes", false, usize::MAX);
        v.boolean("send_email");
        let items = v.array("items", true, 1, usize::MAX);
        for (i, item) in items.iter().enumerate() {
            let item = obj(item.clone());
            let mut iv = Validator::nested(&item, format!("items.{i}."));
            iv.string("description", true, 1000);
            iv.integer("quantity", true, 1, i64::MAX);
            iv.numeric("unit_price", true);
            v.absorb(iv);
        }
        if let Err(r) = v.finish() {
            return r;
        }
        // InvoicesController.php:91 always writes `notes`, a column the
        // invoices table lacks: the insert fails, the transaction rolls
        // back, Laravel renders the QueryException as a bare 500.
        message(500, "Server Error")
    }

    /// Stores an invoice whose totals the "server" computes from the lines
    /// (description, quantity, unit price, service, registrant).
    pub(super) fn add_invoice(
        &mut self,
        user_id: Option<u64>,
        order_id: Option<u64>,
        currency: &str,
        status: &str,
        due: &str,
        lines: &[InvoiceLine],
    ) -> u64 {
        let mut subtotal = Decimal::ZERO;
        let mut items = Vec::new();
        for (description, quantity, unit_price, service_id, registrant_id) in lines {
            let amount = mul(*unit_price, Decimal::from(*quantity));
            subtotal = add(subtotal, amount);
            items.push(json!({
                "id": self.child_id(), "service_id": service_id, "registrant_id": registrant_id,
                "description": description, "quantity": quantity,
                "unit_price": money(*unit_price), "amount": money(amount)
            }));
        }
        let t = now();
        let paid = status == "paid";
        let next = self.next_id.get(&Kind::Invoice).copied().unwrap_or(1);
        let record = obj(json!({
            "invoice_number": format!("INV-{next:06}"), "status": status,
            "subtotal": money(subtotal), "discount": "0.00", "tax": "0.00", "total": money(subtotal),
            "currency": currency, "notes": null, "due_date": due,
            "paid_at": if paid { json!(t) } else { Value::Null },
            // `max(0, total - sum(transactions))`; the fake records no
            // transactions, so it is the total whatever the status.
            "amount_due": float(subtotal),
            "_user_id": user_id, "_order_id": order_id, "_items": items,
            "created_at": t, "updated_at": t
        }));
        self.insert(Kind::Invoice, record)
    }

    pub(super) fn update_invoice(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &["unpaid", "paid", "cancelled", "refunded"],
        );
        v.date("due_date", false);
        if let Err(r) = v.finish() {
            return r;
        }
        if body.contains_key("notes") {
            // `notes` passes validation; the table has no such column.
            return message(500, "Server Error");
        }
        let mut changes = Map::new();
        if let Some(d) = v.str("due_date") {
            changes.insert("due_date".into(), json!(date_to_iso(d)));
        }
        // Only the status column changes: no `paid_at`, no transaction,
        // so `amount_due` stays the total (InvoicesController::update).
        if let Some(status) = v.str("status") {
            changes.insert("status".into(), json!(status));
        }
        self.touch(Kind::Invoice, id, changes);
        self.data(200, Kind::Invoice, id)
    }
}
