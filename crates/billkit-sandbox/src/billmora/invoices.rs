//! The fake of Billmora's `/invoices`.

#[allow(unused_imports)]
use super::*;

impl BillmoraSandbox {
    /// Records a payment of `amount` (rounded to cents, as the
    /// `transactions.amount` column keeps it) against an invoice, as a
    /// gateway or an admin would: the API has no endpoint for it. The
    /// invoice's `amount_due` then shows what the server computes,
    /// `max(0, total - sum(payments))` in PHP floats, float noise included
    /// (`0.30` less `0.10` reads `0.19999999999999998` on the wire). Like a
    /// row inserted beside the invoice, it changes neither the invoice's
    /// status nor its `updated_at`. `false` when there is no such invoice.
    ///
    /// ```no_run
    /// # async fn run(sandbox: billkit_sandbox::billmora::BillmoraSandbox, invoice_id: billkit::billmora::InvoiceId) -> billkit::Result<()> {
    /// // An invoice of 0.30 paid 0.10: the server says 0.19999999999999998,
    /// // billkit reads 0.20.
    /// assert!(sandbox.record_payment(invoice_id, billkit::Decimal::new(10, 2)));
    /// let invoice = sandbox.client()?.invoices().get(invoice_id).await?;
    /// assert_eq!(invoice.amount_due, billkit::Decimal::new(20, 2));
    /// # Ok(()) }
    /// ```
    pub fn record_payment(
        &self,
        invoice_id: impl Into<billkit::billmora::InvoiceId>,
        amount: Decimal,
    ) -> bool {
        let invoice_id = invoice_id.into().get();
        let mut s = lock(&self.state);
        let Some(invoice) = s.table_mut(Kind::Invoice).get_mut(&invoice_id) else {
            return false;
        };
        let paid = dec(invoice.get("_paid")).unwrap_or_default();
        // `SUM(amount)` over a decimal(15,2) column is exact.
        let paid = add(paid, dec(Some(&json!(money(amount)))).unwrap_or_default());
        // `amount_due` follows at every answer (see `invoice_relations`).
        invoice.insert("_paid".into(), json!(money(paid)));
        true
    }
}

/// `Invoice::getAmountDueAttribute` as the server runs it: the
/// `decimal:2` total (a string) minus the payments' `SUM` (a string), both
/// turned into doubles by PHP, `max(0, …)`, returned as a `float`; then
/// `json_encode` with `serialize_precision = -1` prints the shortest text
/// that reads back as that double, without a `.0` for a whole number
/// (Laravel does not pass `JSON_PRESERVE_ZERO_FRACTION`): `0.19999999999999998`,
/// `9.9`, `0`, `100`, as the recordings of a real server show. serde_json
/// prints the same digits (shortest round trip) for every amount a
/// `decimal(15,2)` column holds.
pub(super) fn amount_due(total: Decimal, paid: Decimal) -> Value {
    let as_php = |d: Decimal| money(d).parse::<f64>().unwrap_or(0.0);
    let due = as_php(total) - as_php(paid);
    if due <= 0.0 || !due.is_finite() {
        // `max(0, x)` answers the int 0, made `0.0` by the return type.
        return json!(0);
    }
    if due.fract() == 0.0 && due < 9_007_199_254_740_992.0 {
        // A whole double is exact below 2^53, so the cast loses nothing.
        return json!(due as i64);
    }
    serde_json::Number::from_f64(due).map_or(json!(0), Value::Number)
}

/// An invoice's `amount_due` as answered: planted, or computed.
pub(super) fn invoice_amount_due(record: &Record) -> Value {
    record
        .get("_planted_amount_due")
        .cloned()
        .unwrap_or_else(|| {
            amount_due(
                dec(record.get("total")).unwrap_or_default(),
                dec(record.get("_paid")).unwrap_or_default(),
            )
        })
}

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
        // Values that pass the rules and not the columns: currency is
        // char(3)-sized, descriptions varchar(255), dates MariaDB timestamps.
        let too_long = items.iter().any(|it| {
            it.get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.chars().count() > 255)
        });
        if too_long
            || v.str("currency").is_some_and(|c| c.chars().count() > 3)
            || beyond_timestamp(v.str("due_date"))
        {
            return server_error();
        }
        // `notes` passes validation and is dropped: not a column of the
        // `$guarded` Invoice model.
        let user_id = v.u64("user_id");
        let status = v.str("status").unwrap_or("unpaid").to_owned();
        let currency = v.str("currency").unwrap_or("USD").to_owned();
        let lines: Vec<InvoiceLine> = items
            .iter()
            .map(|it| {
                let it = obj(it.clone());
                (
                    it.get("description")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    int_of(it.get("quantity"))
                        .and_then(|q| u64::try_from(q).ok())
                        .unwrap_or(1),
                    dec(it.get("unit_price")).unwrap_or(Decimal::ZERO),
                    None,
                    None,
                )
            })
            .collect();
        // decimal(15, 2): beyond 13 integer digits MySQL refuses the row.
        let max = Decimal::new(999_999_999_999_999, 2);
        let mut sum = Decimal::ZERO;
        for (_, quantity, unit_price, _, _) in &lines {
            let amount = mul(*unit_price, Decimal::from(*quantity));
            sum = add(sum, amount.abs());
            if unit_price.abs() > max || amount.abs() > max || sum > max {
                return server_error();
            }
        }
        let due = v
            .str("due_date")
            .map(date_to_iso)
            .unwrap_or_else(|| now(&self.clock));
        let id = self.add_invoice(user_id, None, &currency, &status, &due, &lines);
        // InvoiceObserver::created, after the commit: an invoice with
        // nothing to pay becomes paid, then the model is refreshed, so the
        // answer is the stored row (with `user` and `items`).
        let total = self
            .get(Kind::Invoice, id)
            .and_then(|r| dec(r.get("total")))
            .unwrap_or_default();
        if total <= Decimal::ZERO && status != "paid" {
            self.touch(
                Kind::Invoice,
                id,
                obj(json!({"status": "paid", "paid_at": now(&self.clock)})),
            );
        }
        self.data(201, Kind::Invoice, id)
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
        // InvoicesController::store: positive lines make the subtotal,
        // negative ones the discount.
        let (mut subtotal, mut discount) = (Decimal::ZERO, Decimal::ZERO);
        let mut items = Vec::new();
        for (description, quantity, unit_price, service_id, registrant_id) in lines {
            let amount = mul(*unit_price, Decimal::from(*quantity));
            if unit_price.is_sign_negative() {
                discount = add(discount, amount.abs());
            } else {
                subtotal = add(subtotal, amount);
            }
            items.push(json!({
                "id": self.child_id(INVOICE_ITEMS), "service_id": service_id, "registrant_id": registrant_id,
                "description": description, "quantity": quantity,
                "unit_price": money(*unit_price), "amount": money(amount)
            }));
        }
        let total = add(subtotal, -discount);
        let t = now(&self.clock);
        let paid = status == "paid";
        let record = obj(json!({
            "invoice_number": self.next_number(Kind::Invoice, "invoice_number", "INV"), "status": status,
            "subtotal": money(subtotal), "discount": money(discount), "tax": "0.00", "total": money(total),
            "currency": currency, "notes": null, "due_date": due,
            "paid_at": if paid { json!(t) } else { Value::Null },
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
        // (`notes` passes validation and is dropped: not a column.)
        if beyond_timestamp(v.str("due_date")) {
            // `notes` passes validation; the table has no such column.
            return server_error();
        }
        let mut changes = Map::new();
        if let Some(d) = v.str("due_date") {
            changes.insert("due_date".into(), json!(date_to_iso(d)));
        }
        // Only the status column changes: no `paid_at`, no transaction,
        // so `amount_due` stays the total (InvoicesController::update).
        let was = self
            .get(Kind::Invoice, id)
            .and_then(|r| r.get("status").and_then(Value::as_str).map(str::to_owned));
        if let Some(status) = v.str("status") {
            changes.insert("status".into(), json!(status));
        }
        self.touch(Kind::Invoice, id, changes);
        if v.str("status") == Some("paid") && was.as_deref() != Some("paid") {
            self.invoice_paid(id);
        }
        self.data(200, Kind::Invoice, id)
    }

    /// InvoiceObserver fires `Invoice\Paid`; its queued listeners run here
    /// at once (a real installation runs them on its queue worker, soon
    /// after the answer): ProvisionOnInvoicePaid activates the order's
    /// pending services whose package has `auto_provision` (the fake has no
    /// provisioning plugins), RegisterOnInvoicePaid activates its pending
    /// domains. (RenewOnInvoicePaid only touches services named on the
    /// invoice's items, which order invoices never do.)
    fn invoice_paid(&mut self, id: u64) {
        let Some(order_id) = self
            .get(Kind::Invoice, id)
            .and_then(|r| rec_u64(r, "_order_id"))
        else {
            return;
        };
        let of_order = |s: &Self, kind: Kind| -> Vec<(u64, Record)> {
            s.table(kind)
                .into_iter()
                .flat_map(|t| t.values())
                .filter(|r| rec_u64(r, "_order_id") == Some(order_id))
                .filter(|r| r.get("status").and_then(Value::as_str) == Some("pending"))
                .filter_map(|r| Some((rec_u64(r, "id")?, r.clone())))
                .collect()
        };
        for (service, record) in of_order(self, Kind::Service) {
            let auto = rec_u64(&record, "_package_id")
                .and_then(|p| self.get(Kind::Package, p))
                .and_then(|p| p.get("auto_provision").and_then(Value::as_bool))
                .unwrap_or(true);
            if !auto {
                continue;
            }
            self.activate_service(service);
            self.service_status_changed(service, "pending", "active");
        }
        for (registrant, _) in of_order(self, Kind::Registrant) {
            self.activate_registrant(registrant);
        }
    }

    /// The relations of `InvoiceResource`: `user` always (list and show), `items` on show, create and update.
    pub(super) fn invoice_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        put("user", Some(self.loaded_user(record)));
        // An accessor, computed at every answer from the stored total and
        // payments (kept as exact decimals: a double would not survive a
        // saved state's JSON exactly), unless a test planted one.
        put("amount_due", Some(invoice_amount_due(record)));
        if full {
            put(
                "items",
                Some(record.get("_items").cloned().unwrap_or(json!([]))),
            );
        }
    }
}
