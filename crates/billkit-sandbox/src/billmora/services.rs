//! The fake of Billmora's `/services`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn update_service(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &["active", "suspended", "terminated", "cancelled", "pending"],
        );
        v.string("name", false, 255);
        v.date("next_due_date", false);
        v.exists_in("plugin_id", &self.plugins);
        v.object("variant_selections");
        v.object("configuration");
        if let Err(r) = v.finish() {
            return r;
        }
        if beyond_timestamp(v.str("next_due_date")) {
            return server_error();
        }
        let mut changes = v.take(&[
            "status",
            "name",
            "plugin_id",
            "variant_selections",
            "configuration",
        ]);
        if let Some(d) = v.str("next_due_date") {
            changes.insert("next_due_date".into(), json!(date_to_iso(d)));
        }
        let old_status = self
            .get(Kind::Service, id)
            .and_then(|r| r.get("status").and_then(Value::as_str).map(str::to_owned));
        // Only the sent columns change: no activated_at/suspended_at/...
        self.touch(Kind::Service, id, changes);
        if let (Some(new), Some(old)) = (v.str("status"), old_status)
            && new != old
        {
            self.service_status_changed(id, &old, new);
        }
        // The update is saved; re-reading with `scalings` then fails.
        server_error()
    }

    /// `Service::activate()`: active from now, its next due date kept, or
    /// one billing period on from when it was last activated (now if
    /// never).
    pub(super) fn activate_service(&mut self, id: u64) {
        let Some(service) = self.get(Kind::Service, id) else {
            return;
        };
        let now_at = self.clock.now();
        let due = match service.get("next_due_date").filter(|d| !d.is_null()) {
            Some(d) => d.clone(),
            None if service.get("billing_type").and_then(Value::as_str) == Some("recurring") => {
                let from = service
                    .get("activated_at")
                    .and_then(Value::as_str)
                    .and_then(|a| DateTime::parse_from_rfc3339(a).ok())
                    .map_or(now_at, |a| a.with_timezone(&Utc));
                let period = service
                    .get("billing_period")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let interval = service
                    .get("billing_interval")
                    .and_then(Value::as_u64)
                    .unwrap_or(1);
                advance_local(from, period, interval).map_or(Value::Null, |d| json!(stamp_of(d)))
            }
            None => Value::Null,
        };
        self.touch(
            Kind::Service,
            id,
            obj(
                json!({"status": "active", "activated_at": stamp_of(now_at), "next_due_date": due}),
            ),
        );
    }

    /// ServiceObserver::updated: stock and order completion.
    pub(super) fn service_status_changed(&mut self, id: u64, old: &str, new: &str) {
        let Some(service) = self.get(Kind::Service, id).cloned() else {
            return;
        };
        let package_id = rec_u64(&service, "_package_id").unwrap_or(0);
        let stock = self
            .get(Kind::Package, package_id)
            .and_then(|p| p.get("stock").and_then(Value::as_i64));
        match new {
            "active" => {
                if old != "suspended"
                    && let Some(n) = stock.filter(|n| *n > 0)
                {
                    self.touch(Kind::Package, package_id, obj(json!({"stock": n - 1})));
                }
                if let Some(order_id) = rec_u64(&service, "_order_id") {
                    let done = self.get(Kind::Order, order_id).is_some_and(|o| {
                        o.get("status").and_then(Value::as_str) != Some("completed")
                    }) && self
                        .table(Kind::Service)
                        .into_iter()
                        .flat_map(|t| t.values())
                        .filter(|s| rec_u64(s, "_order_id") == Some(order_id))
                        .all(|s| s.get("status").and_then(Value::as_str) == Some("active"));
                    if done {
                        self.touch(
                            Kind::Order,
                            order_id,
                            obj(json!({"status": "completed", "completed_at": now(&self.clock)})),
                        );
                    }
                }
            }
            "terminated" | "cancelled" => {
                if let Some(n) = stock.filter(|n| *n >= 0) {
                    self.touch(Kind::Package, package_id, obj(json!({"stock": n + 1})));
                }
            }
            _ => {}
        }
    }

    /// The relations of `ServiceResource`: `user`, `package`, `scalings` (what the controller loads; it fails on real servers before rendering).
    pub(super) fn service_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        let _ = full; // the same relations on every endpoint
        put("user", Some(self.loaded_user(record)));
        let package = rec_u64(record, "_package_id")
            .and_then(|id| self.get(Kind::Package, id))
            .map(|p| self.render(Kind::Package, p, false));
        put("package", package);
        put(
            "scalings",
            Some(record.get("_scalings").cloned().unwrap_or(json!([]))),
        );
    }
}
