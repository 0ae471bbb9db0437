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
                "active",
                "expired",
                "suspended",
                "pending_transfer",
                "transferred_away",
                "cancelled",
                "redemption",
                "terminated",
            ],
        );
        v.boolean("auto_renew");
        let ns = v.array("nameservers", false, 1, 5);
        for (i, n) in ns.iter().enumerate() {
            if !n.is_string() {
                v.fail(
                    &format!("nameservers.{i}"),
                    &format!("The nameservers.{i} field must be a string."),
                );
            }
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let mut changes = v.take(&["status", "auto_renew", "nameservers"]);
        match v.str("status") {
            Some("active") => {
                changes.insert("registered_at".into(), json!(now()));
            }
            Some("suspended") => {
                changes.insert("suspended_at".into(), json!(now()));
            }
            Some("cancelled") => {
                changes.insert("cancelled_at".into(), json!(now()));
            }
            _ => {}
        }
        self.touch(Kind::Registrant, id, changes);
        self.data(200, Kind::Registrant, id)
    }
}
