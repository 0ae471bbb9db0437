//! The fake of Billmora's `/tlds`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn tld_rules(&self, v: &mut Validator<'_>, creating: bool, except: Option<u64>) {
        if v.string("tld", creating, 20)
            && let Some(t) = v.str("tld")
        {
            // No format rule on the API: `com` and `.com` both pass.
            if self
                .table(Kind::Tld)
                .into_iter()
                .flat_map(|x| x.values())
                .any(|r| {
                    r.get("tld").and_then(Value::as_str) == Some(t) && rec_u64(r, "id") != except
                })
            {
                v.fail("tld", "The tld has already been taken.");
            }
        }
        v.one_of("status", creating, &["visible", "hidden"]);
        v.integer("plugin_id", false, i64::MIN, i64::MAX);
        v.exists_in("plugin_id", &self.plugins);
        // `integer|min:1`: no upper bound and no min <= max rule on the API.
        v.integer("min_years", creating, 1, i64::MAX);
        v.integer("max_years", creating, 1, i64::MAX);
        v.integer("sort_order", false, i64::MIN, i64::MAX);
    }

    pub(super) fn create_tld(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.tld_rules(&mut v, true, None);
        if let Err(r) = v.finish() {
            return r;
        }
        let t = now(&self.clock);
        let mut record = obj(json!({
            "plugin_id": null, "grace_period_days": 0, "redemption_period_days": 0, "sort_order": 0,
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
        // TldsController::store: the model as inserted, no prices.
        self.created(
            Kind::Tld,
            id,
            &[
                "plugin_id",
                "grace_period_days",
                "redemption_period_days",
                "sort_order",
            ],
            body,
        )
    }

    pub(super) fn update_tld(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.tld_rules(&mut v, false, Some(id));
        if let Err(r) = v.finish() {
            return r;
        }
        if nulls_a_not_null_column(body, &["sort_order"])
            || [body.get("min_years"), body.get("max_years")]
                .into_iter()
                .any(|y| int_of(y).is_some_and(|y| y > i64::from(i32::MAX)))
        {
            return server_error();
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

    /// The relations of `TldResource`: `prices` on show and update.
    pub(super) fn tld_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        if full {
            put(
                "prices",
                Some(record.get("_prices").cloned().unwrap_or(json!([]))),
            );
        }
    }
}
