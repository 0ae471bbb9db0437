//! The fake of Billmora's `/orders`.

#[allow(unused_imports)]
use super::*;

impl State {
    /// `POST /orders`: OrderService::createOrder in one transaction, then
    /// the order as inserted (not re-read: `tax` and `notes` are null) with
    /// its relations loaded.
    pub(super) fn create_order(&mut self, body: &Record) -> SandboxResponse {
        let placed = self.place_order(body);
        if placed.status != 201 {
            return placed;
        }
        let id = self.next_id.get(&Kind::Order).copied().unwrap_or(1) - 1;
        // Re-read with its relations, but the order model itself as
        // inserted: `tax` and `notes` were left to the database.
        self.created_with(Kind::Order, id, &["tax", "notes"], &Map::new(), true)
    }

    /// The order, its services, domains and invoice (also the seed data's
    /// order).
    pub(super) fn place_order(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        if v.required("user_id") && !self.exists(Kind::User, v.u64("user_id")) {
            v.fail("user_id", "The selected user id is invalid.");
        }
        if v.string("currency", true, 3)
            && !v
                .str("currency")
                .is_some_and(|c| self.currencies.iter().any(|k| k == c))
        {
            v.fail("currency", "The selected currency is invalid.");
        }
        // `nullable|exists:coupons,code`, and the sandbox has no coupons.
        v.exists_in("coupon", &[]);
        v.one_of(
            "status",
            true,
            &["pending", "processing", "completed", "cancelled", "failed"],
        );
        let packages = v.array("package_items", false, 0, usize::MAX);
        let domains = v.array("domain_items", false, 0, usize::MAX);
        let currency = v.str("currency").unwrap_or("USD").to_owned();
        // (package id, price id, quantity, price, setup fee, description, variant options, configuration)
        let mut package_lines = Vec::new();
        for (i, item) in packages.iter().enumerate() {
            let item = obj(item.clone());
            let mut iv = Validator::nested(&item, format!("package_items.{i}."));
            let package = if iv.required("package_id") {
                let p = iv
                    .u64("package_id")
                    .and_then(|id| self.get(Kind::Package, id));
                if p.is_none() {
                    iv.fail(
                        "package_id",
                        &format!("The selected package_items.{i}.package_id is invalid."),
                    );
                }
                p
            } else {
                None
            };
            let mut price = None;
            if iv.required("billing_id") {
                price = package.and_then(|p| {
                    let wanted = iv.u64("billing_id")?;
                    p.get("_prices")?
                        .as_array()?
                        .iter()
                        .find(|pr| pr.get("id").and_then(Value::as_u64) == Some(wanted))
                        .cloned()
                });
                if package.is_some() && price.is_none() {
                    iv.fail(
                        "billing_id",
                        &format!("The selected package_items.{i}.billing_id is invalid."),
                    );
                }
            }
            iv.integer("quantity", false, 1, i64::MAX);
            iv.object("configuration");
            if let (Some(p), Some(price)) = (package, price) {
                let rate = price.get("rates").and_then(|r| r.get(currency.as_str()));
                let amount = rate
                    .and_then(|r| dec(r.get("price")))
                    .unwrap_or(Decimal::ZERO);
                let setup = rate
                    .and_then(|r| dec(r.get("setup_fee")))
                    .unwrap_or(Decimal::ZERO);
                package_lines.push((
                    rec_u64(p, "id").unwrap_or(0),
                    price,
                    iv.u64("quantity").unwrap_or(1).max(1),
                    amount,
                    setup,
                    p.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("Package")
                        .to_owned(),
                    item.get("variant_options").cloned().unwrap_or(json!([])),
                    item.get("configuration").cloned().unwrap_or(json!([])),
                ));
            }
            v.absorb(iv);
        }
        // (type, domain, tld id, years, price)
        let mut domain_lines = Vec::new();
        for (i, item) in domains.iter().enumerate() {
            let item = obj(item.clone());
            let mut iv = Validator::nested(&item, format!("domain_items.{i}."));
            iv.one_of("type", true, &["register", "transfer"]);
            iv.string("domain", true, 255);
            let tld = if iv.required("tld_id") {
                let t = iv.u64("tld_id").and_then(|id| self.get(Kind::Tld, id));
                if t.is_none() {
                    iv.fail(
                        "tld_id",
                        &format!("The selected domain_items.{i}.tld_id is invalid."),
                    );
                }
                t
            } else {
                None
            };
            // `years` is `integer|min:1` (the TLD's own limits are not
            // checked); `epp_code` is `nullable|string`.
            iv.integer("years", true, 1, i64::MAX);
            iv.string("epp_code", false, usize::MAX);
            if let Some(t) = tld {
                let kind = iv.str("type").unwrap_or("register").to_owned();
                let key = if kind == "transfer" {
                    "transfer_price"
                } else {
                    "register_price"
                };
                let yearly = t
                    .get("_prices")
                    .and_then(Value::as_array)
                    .and_then(|ps| {
                        ps.iter().find(|p| {
                            p.get("currency").and_then(Value::as_str) == Some(currency.as_str())
                        })
                    })
                    .and_then(|p| dec(p.get(key)))
                    .unwrap_or(Decimal::ZERO);
                let years = iv.u64("years").unwrap_or(1);
                domain_lines.push((
                    kind,
                    iv.str("domain").unwrap_or("").to_owned(),
                    rec_u64(t, "id").unwrap_or(0),
                    years,
                    mul(yearly, Decimal::from(years)),
                ));
            }
            v.absorb(iv);
        }
        if let Err(r) = v.finish() {
            return r;
        }
        if packages.is_empty() && domains.is_empty() {
            return message(422, "At least one package or domain item is required.");
        }
        if !body.contains_key("coupon") {
            return message(
                500,
                "Failed to create order: Undefined array key \"coupon\"",
            );
        }

        let user_id = v.u64("user_id");
        let status = v.str("status").unwrap_or("pending").to_owned();
        let t = now(&self.clock);
        let at = self.clock.now();
        // OrderService::createOrder: the order's status decides its
        // services', domains' and invoice's.
        let (child, invoice_status) = match status.as_str() {
            "completed" => ("active", "paid"),
            "cancelled" => ("cancelled", "cancelled"),
            "failed" => ("cancelled", "unpaid"),
            _ => ("pending", "unpaid"),
        };
        let stamp = |on: bool| if on { json!(t) } else { Value::Null };
        // The order row first (its id is the services' `order_id`).
        let order_id = self.insert(
            Kind::Order,
            obj(json!({
                "order_number": self.next_number(Kind::Order, "order_number", "ORD"),
                "status": status, "discount": "0.00", "tax": "0.00", "currency": currency,
                "notes": null, "completed_at": stamp(status == "completed"),
                "cancelled_at": stamp(matches!(status.as_str(), "cancelled" | "failed")),
                "_user_id": user_id, "_items": [], "created_at": t, "updated_at": t
            })),
        );
        let mut items = Vec::new();
        let mut invoice_lines = Vec::new();
        let (mut subtotal, mut setup_total) = (Decimal::ZERO, Decimal::ZERO);
        for (package_id, price, quantity, amount, setup, name, variants, configuration) in
            package_lines
        {
            let qty = Decimal::from(quantity);
            subtotal = add(subtotal, mul(amount, qty));
            setup_total = add(setup_total, mul(setup, qty));
            let period = price.get("billing_period").cloned().unwrap_or(Value::Null);
            let billing_type = price
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("recurring")
                .to_owned();
            let interval = price
                .get("time_interval")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            items.push(json!({
                "id": self.child_id(ORDER_ITEMS), "item_type": "service", "description": name, "quantity": quantity,
                "billing_type": billing_type, "billing_period": period, "billing_interval": interval,
                "unit_price": money(amount), "setup_fee": money(setup),
                "amount": money(add(mul(amount, qty), mul(setup, qty)))
            }));
            let recurring = billing_type == "recurring";
            let (activated, next_due) = match child {
                "active" if recurring => (
                    json!(t),
                    period
                        .as_str()
                        .and_then(|p| advance_local(at, p, interval))
                        .map_or(Value::Null, |d| json!(stamp_of(d))),
                ),
                "pending" => (Value::Null, json!(t)),
                _ => (Value::Null, Value::Null),
            };
            let cycle = cycle_label(&billing_type, amount, period.as_str(), interval);
            let configuration = self.service_configuration(package_id, &variants, &configuration);
            // One service per unit ordered (OrderService: `for $j < $quantity`).
            for _ in 0..quantity {
                self.insert(
                    Kind::Service,
                    obj(json!({
                        "service_number": self.next_number(Kind::Service, "service_number", "SVC"),
                        "status": child, "name": name,
                        "billing_type": billing_type, "billing_period": period, "billing_interval": interval,
                        "price": money(amount), "setup_fee": money(setup), "currency": currency,
                        "cycle_label": cycle, "activated_at": activated, "next_due_date": next_due,
                        "suspended_at": null, "terminated_at": null,
                        "cancelled_at": stamp(child == "cancelled"),
                        "plugin_id": self.get(Kind::Package, package_id).and_then(|p| p.get("plugin_id").cloned()),
                        "variant_selections": variants, "configuration": configuration,
                        "_user_id": user_id, "_package_id": package_id, "_order_id": order_id, "_scalings": [],
                        "created_at": t, "updated_at": t
                    })),
                );
            }
            // OrderService writes its invoice items with `service_id` null.
            let catalog = self
                .get(Kind::Package, package_id)
                .and_then(|p| rec_u64(p, "_catalog_id"))
                .and_then(|c| self.get(Kind::Catalog, c))
                .and_then(|c| c.get("name").and_then(Value::as_str))
                .unwrap_or("")
                .to_owned();
            let mut description = format!("{catalog} - {name}");
            if recurring {
                let local = |d: DateTime<Utc>| {
                    (d + chrono::Duration::hours(SERVER_UTC_OFFSET_HOURS))
                        .format("%d/%m/%Y")
                        .to_string()
                };
                if let Some(end) = period.as_str().and_then(|p| advance_local(at, p, interval)) {
                    description = format!("{description} ({} - {})", local(at), local(end));
                }
            }
            invoice_lines.push((description, quantity, amount, None, None));
            if setup > Decimal::ZERO {
                invoice_lines.push((format!("Setup Fee - {name}"), quantity, setup, None, None));
            }
        }
        for (kind, domain, tld_id, years, price) in domain_lines {
            subtotal = add(subtotal, price);
            let plural = if years > 1 { "s" } else { "" };
            let label = if kind == "transfer" {
                "Transfer"
            } else {
                "Register"
            };
            let description = format!("{label} - {domain} ({years} year{plural})");
            items.push(json!({
                "id": self.child_id(ORDER_ITEMS), "item_type": "domain", "description": domain, "quantity": 1,
                "billing_type": "onetime", "billing_period": "yearly", "billing_interval": years,
                "unit_price": money(price), "setup_fee": "0.00", "amount": money(price)
            }));
            let active = child == "active";
            let expires = if active {
                advance_local(at, "yearly", years).map_or(Value::Null, |d| json!(stamp_of(d)))
            } else {
                Value::Null
            };
            self.insert(
                Kind::Registrant,
                obj(json!({
                    "registrant_number": self.next_number(Kind::Registrant, "registrant_number", "DOM"),
                    "domain": domain,
                    "status": if kind == "transfer" { "pending_transfer" } else { child },
                    "registration_type": kind, "years": years, "price": money(price), "currency": currency,
                    "auto_renew": true, "nameservers": null, "configuration": null,
                    "registered_at": stamp(active), "expires_at": expires,
                    "suspended_at": null, "cancelled_at": null,
                    "_user_id": user_id, "_tld_id": tld_id, "_order_id": order_id,
                    "created_at": t, "updated_at": t
                })),
            );
            invoice_lines.push((description, 1, price, None, None));
        }
        let total = add(subtotal, setup_total);
        self.touch_quietly(
            Kind::Order,
            order_id,
            obj(json!({
                "subtotal": money(subtotal), "setup_fee": money(setup_total),
                "total": money(total), "_items": items
            })),
        );
        // `invoice_generation_days` (7 by default) from now; the setup fees
        // count in the total, not the subtotal.
        let due = stamp_of(at + chrono::Duration::days(7));
        let invoice = self.add_invoice(
            user_id,
            Some(order_id),
            &currency,
            invoice_status,
            &due,
            &invoice_lines,
        );
        self.touch_quietly(
            Kind::Invoice,
            invoice,
            obj(json!({
                "subtotal": money(subtotal), "discount": "0.00", "total": money(total),
            })),
        );
        self.data(201, Kind::Order, order_id)
    }

    pub(super) fn update_order(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            true,
            &["pending", "processing", "completed", "cancelled", "failed"],
        );
        if let Err(r) = v.finish() {
            return r;
        }
        // OrderService::updateOrderStatus.
        let status = v.str("status").unwrap_or("pending").to_owned();
        let stamp = |on: bool| {
            if on {
                json!(now(&self.clock))
            } else {
                Value::Null
            }
        };
        let changes = obj(json!({
            "status": status,
            "completed_at": stamp(status == "completed"),
            "cancelled_at": stamp(matches!(status.as_str(), "cancelled" | "failed")),
        }));
        let of_order = |s: &Self, kind: Kind| -> Vec<u64> {
            s.table(kind)
                .into_iter()
                .flat_map(|t| t.values())
                .filter(|r| rec_u64(r, "_order_id") == Some(id))
                .filter_map(|r| rec_u64(r, "id"))
                .collect()
        };
        for service in of_order(self, Kind::Service) {
            let current = self
                .get(Kind::Service, service)
                .and_then(|r| r.get("status").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            if status == "completed" {
                if current != "active" {
                    self.touch(Kind::Service, service, obj(json!({"cancelled_at": null})));
                    self.activate_service(service);
                    self.service_status_changed(service, &current, "active");
                }
                continue;
            }
            let change = match status.as_str() {
                "cancelled" | "failed" => {
                    Some(json!({"status": "cancelled", "cancelled_at": now(&self.clock)}))
                }
                _ => Some(json!({
                    "status": "pending", "cancelled_at": null, "terminated_at": null,
                    "activated_at": null, "next_due_date": null,
                })),
            };
            if let Some(change) = change {
                let new = change["status"].as_str().unwrap_or_default().to_owned();
                self.touch(Kind::Service, service, obj(change));
                if new != current {
                    self.service_status_changed(service, &current, &new);
                }
            }
        }
        for registrant in of_order(self, Kind::Registrant) {
            let pending = self
                .get(Kind::Registrant, registrant)
                .is_some_and(|r| r.get("status").and_then(Value::as_str) == Some("pending"));
            if status == "completed" {
                if pending {
                    self.activate_registrant(registrant);
                }
                continue;
            }
            let change = match status.as_str() {
                "cancelled" | "failed" => {
                    Some(json!({"status": "cancelled", "cancelled_at": now(&self.clock)}))
                }
                _ => Some(json!({"status": "pending", "cancelled_at": null})),
            };
            if let Some(change) = change {
                self.touch(Kind::Registrant, registrant, obj(change));
            }
        }
        // The invoice is meant to follow, but `$order->invoice` is not a
        // relation (OrderService.php:463): invoices never change here.
        self.touch(Kind::Order, id, changes);
        self.data(200, Kind::Order, id)
    }

    /// The relations of `OrderResource`: `user` always; `items`, `services`, `registrants`, `invoices` on show and update.
    pub(super) fn order_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        put("user", Some(self.loaded_user(record)));
        if full {
            put(
                "items",
                Some(record.get("_items").cloned().unwrap_or(json!([]))),
            );
            let oid = rec_u64(record, "id");
            let children = |k: Kind| -> Value {
                Value::Array(
                    self.table(k)
                        .into_iter()
                        .flat_map(|t| t.values())
                        .filter(|r| !is_trashed(r))
                        .filter(|r| rec_u64(r, "_order_id") == oid)
                        .map(|r| {
                            let mut bare = self.bare(r);
                            if k == Kind::Invoice {
                                bare["amount_due"] = super::invoices::invoice_amount_due(r);
                            }
                            bare
                        })
                        .collect(),
                )
            };
            put("services", Some(children(Kind::Service)));
            put("registrants", Some(children(Kind::Registrant)));
            put("invoices", Some(children(Kind::Invoice)));
        }
    }
}

impl State {
    /// `OrderService::resolveServiceConfiguration`: the package's
    /// `provisioning_config`, each chosen variant option's value under its
    /// variant's `code` (numbers as numbers), then the checkout's
    /// configuration on top. Empty is PHP's `[]`.
    fn service_configuration(
        &self,
        package_id: u64,
        selections: &Value,
        checkout: &Value,
    ) -> Value {
        let mut config = self
            .get(Kind::Package, package_id)
            .and_then(|p| p.get("provisioning_config"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let chosen: Vec<u64> = match selections {
            Value::Object(m) => m.values().filter_map(|v| int_of(Some(v))).collect(),
            Value::Array(a) => a.iter().filter_map(|v| int_of(Some(v))).collect(),
            _ => Vec::new(),
        }
        .into_iter()
        .filter_map(|i| u64::try_from(i).ok())
        .collect();
        for variant in self
            .table(Kind::Variant)
            .into_iter()
            .flat_map(|t| t.values())
        {
            let Some(code) = variant.get("code").and_then(Value::as_str) else {
                continue;
            };
            for option in variant
                .get("_options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !rec_u64(&obj(option.clone()), "id").is_some_and(|id| chosen.contains(&id)) {
                    continue;
                }
                let value = match option.get("value") {
                    Some(Value::String(s)) => s
                        .parse::<i64>()
                        .map(Value::from)
                        .or_else(|_| s.parse::<f64>().map(Value::from))
                        .unwrap_or_else(|_| match s.to_lowercase().as_str() {
                            "true" => Value::Bool(true),
                            "false" => Value::Bool(false),
                            _ => Value::String(s.clone()),
                        }),
                    Some(v) => v.clone(),
                    None => Value::Null,
                };
                config.insert(code.to_owned(), value);
            }
        }
        if let Value::Object(extra) = checkout {
            config.extend(extra.clone());
        }
        if config.is_empty() {
            json!([])
        } else {
            Value::Object(config)
        }
    }
}

/// `Service::getCycleLabelAttribute` in `en_US`.
fn cycle_label(billing_type: &str, price: Decimal, period: Option<&str>, interval: u64) -> String {
    if billing_type == "free" || price.is_zero() {
        return "Free".to_owned();
    }
    if billing_type == "onetime" {
        return "One Time".to_owned();
    }
    let (single, unit) = match period {
        Some("daily") => ("Daily", "Day(s)"),
        Some("weekly") => ("Weekly", "Week(s)"),
        Some("monthly") => ("Monthly", "Month(s)"),
        Some("yearly") => ("Annually", "Year(s)"),
        _ => return String::new(),
    };
    if interval == 1 {
        single.to_owned()
    } else {
        format!("Every {interval} {unit}")
    }
}
