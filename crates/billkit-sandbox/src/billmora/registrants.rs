//! The fake of Billmora's `/registrants`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn update_registrant(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &[
                "pending",
                "pending_transfer",
                "active",
                "suspended",
                "expired",
                "cancelled",
            ],
        );
        v.boolean("auto_renew");
        let ns = v.array("nameservers", false, 1, 5);
        for (i, n) in ns.iter().enumerate() {
            if !(n.is_string() || n.is_null()) {
                v.fail(
                    &format!("nameservers.{i}"),
                    &format!("The nameservers.{i} field must be a string."),
                );
            }
        }
        if let Err(r) = v.finish() {
            return r;
        }
        // Only the sent columns change: no registered_at/suspended_at/...
        let changes = v.take(&["status", "auto_renew", "nameservers"]);
        self.touch(Kind::Registrant, id, changes);
        self.data(200, Kind::Registrant, id)
    }

    /// `Registrant::activate()`: active, registered (if not yet), expiring
    /// its term from now.
    pub(super) fn activate_registrant(&mut self, id: u64) {
        let Some(record) = self.get(Kind::Registrant, id) else {
            return;
        };
        let years = record.get("years").and_then(Value::as_u64).unwrap_or(1);
        let expires = advance_local(self.clock.now(), "yearly", years).map(stamp_of);
        let registered = record
            .get("registered_at")
            .cloned()
            .filter(|d| !d.is_null())
            .unwrap_or_else(|| json!(now(&self.clock)));
        self.touch(
            Kind::Registrant,
            id,
            obj(json!({"status": "active", "registered_at": registered, "expires_at": expires})),
        );
    }

    /// The relations of `RegistrantResource`: `user` and `tld`, everywhere.
    pub(super) fn registrant_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        let _ = full; // the same relations on every endpoint
        put("user", Some(self.loaded_user(record)));
        let tld = rec_u64(record, "_tld_id")
            .and_then(|id| self.get(Kind::Tld, id))
            .map(|t| self.render(Kind::Tld, t, false));
        put("tld", tld);
    }
}
