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
}
