//! The fake of Billmora's `/tlds`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn tld_rules(&self, v: &mut Validator<'_>, creating: bool, except: Option<u64>) {
        if v.string("tld", creating, 20) {
            if let Some(t) = v.str("tld") {
                if t.contains('.') || t.contains(char::is_whitespace) {
                    v.fail("tld", "The tld field format is invalid.");
                } else if self
                    .table(Kind::Tld)
                    .into_iter()
                    .flat_map(|x| x.values())
                    .any(|r| {
                        r.get("tld").and_then(Value::as_str) == Some(t)
                            && rec_u64(r, "id") != except
                    })
                {
                    v.fail("tld", "The tld has already been taken.");
                }
            }
        }
        v.one_of("status", creating, &["visible", "hidden"]);
        v.integer("plugin_id", false, 1, i64::MAX);
        v.integer("min_years", creating, 1, 10);
        v.integer("max_years", creating, 1, 10);
        v.integer("sort_order", false, i64::MIN, i64::MAX);
    }

    pub(super) fn create_tld(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.tld_rules(&mut v, true, None);
        if let (Some(lo), Some(hi)) = (int_of(body.get("min_years")), int_of(body.get("max_years")))
        {
            if hi < lo {
                v.fail(
                    "max_years",
                    &format!("The max years field must be greater than or equal to {lo}."),
                );
            }
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let t = now();
        let mut record = obj(json!({
            "plugin_id": null, "grace_period_days": 30, "redemption_period_days": 30, "sort_order": 0,
            "auto_renew": null, "_prices": [], "created_at": t, "updated_at": t
        }));
        record.extend(v.take(&[
            "tld",
            "status",
            "plugin_id",
            "min_years",
            "max_years",
            "sort_order",
        ]));
        let id = self.insert(Kind::Tld, record);
        self.data(201, Kind::Tld, id)
    }

    pub(super) fn update_tld(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.tld_rules(&mut v, false, Some(id));
        let current = self.get(Kind::Tld, id);
        let lo = int_of(body.get("min_years"))
            .or_else(|| current.and_then(|r| int_of(r.get("min_years"))));
        let hi = int_of(body.get("max_years"))
            .or_else(|| current.and_then(|r| int_of(r.get("max_years"))));
        if let (Some(lo), Some(hi)) = (lo, hi) {
            if hi < lo {
                v.fail(
                    "max_years",
                    &format!("The max years field must be greater than or equal to {lo}."),
                );
            }
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let changes = v.take(&[
            "tld",
            "status",
            "plugin_id",
            "min_years",
            "max_years",
            "sort_order",
        ]);
        self.touch(Kind::Tld, id, changes);
        self.data(200, Kind::Tld, id)
    }
}
