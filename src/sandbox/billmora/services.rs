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
        v.integer("plugin_id", false, 1, i64::MAX);
        v.object("variant_selections");
        v.object("configuration");
        if let Err(r) = v.finish() {
            return r;
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
        if let Some(status) = v.str("status") {
            let stamp = match status {
                "active" => Some("activated_at"),
                "suspended" => Some("suspended_at"),
                "terminated" => Some("terminated_at"),
                "cancelled" => Some("cancelled_at"),
                _ => None,
            };
            if let Some(k) = stamp {
                changes.insert(k.into(), json!(now()));
            }
        }
        self.touch(Kind::Service, id, changes);
        self.data(200, Kind::Service, id)
    }
}
