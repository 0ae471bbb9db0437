//! The fake of Billmora's `/packages`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn package_rules(&self, v: &mut Validator<'_>, creating: bool) {
        v.string("name", creating, 255);
        if (v.present("catalog_id") || creating)
            && v.required("catalog_id")
            && !self.exists(Kind::Catalog, v.u64("catalog_id"))
        {
            v.fail("catalog_id", "The selected catalog id is invalid.");
        }
        v.string("slug", false, 255);
        v.string("description", false, usize::MAX);
        v.one_of("status", false, &["visible", "hidden"]);
        v.string("icon", false, 255);
        v.integer("stock", false, -1, i64::MAX);
        v.integer("per_user_limit", false, -1, i64::MAX);
        v.boolean("allow_cancellation");
        v.one_of("allow_quantity", false, &["single", "multiple"]);
        v.integer("prorata_day", false, 0, 31);
        v.integer("prorata_next_month_day", false, 0, 31);
        v.boolean("auto_provision");
        v.integer("sort_order", false, i64::MIN, i64::MAX);
        v.exists_in("plugin_id", &self.plugins);
        v.object("provisioning_config");
    }

    const PACKAGE_FIELDS: [&'static str; 15] = [
        "name",
        "slug",
        "description",
        "status",
        "icon",
        "stock",
        "per_user_limit",
        "allow_cancellation",
        "allow_quantity",
        "prorata_day",
        "prorata_next_month_day",
        "auto_provision",
        "sort_order",
        "plugin_id",
        "provisioning_config",
    ];

    /// Columns the rules call `nullable` that the table does not allow null.
    const NOT_NULL: [&'static str; 9] = [
        "slug",
        "description",
        "status",
        "stock",
        "per_user_limit",
        "allow_cancellation",
        "allow_quantity",
        "auto_provision",
        "sort_order",
    ];

    pub(super) fn create_package(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.package_rules(&mut v, true);
        if let Err(r) = v.finish() {
            return r;
        }
        if let Some(slug) = v.str("slug")
            && self.slug_taken(Kind::Package, slug, None)
        {
            v.fail("slug", "The slug has already been taken.");
        }
        if let Err(r) = v.finish() {
            return r;
        }
        if v.str("slug").is_none()
            || v.str("description").is_none()
            || nulls_a_not_null_column(body, &Self::NOT_NULL)
        {
            // NOT NULL columns the validation does not require.
            return server_error();
        }
        let t = now(&self.clock);
        let mut record = obj(json!({
            "icon": null, "status": "visible", "stock": -1, "per_user_limit": -1, "allow_cancellation": true,
            "allow_quantity": "single", "prorata_day": null, "prorata_next_month_day": null,
            "auto_provision": true, "sort_order": 0, "plugin_id": null, "provisioning_config": null,
            "_prices": [], "_variant_ids": [], "created_at": t, "updated_at": t
        }));
        record.extend(v.take(&Self::PACKAGE_FIELDS));
        record.insert("_catalog_id".into(), json!(v.u64("catalog_id")));
        let id = self.insert(Kind::Package, record);
        // PackagesController::store: the model as inserted, with its catalog.
        self.created(Kind::Package, id, &Self::PACKAGE_FIELDS[3..], body)
    }

    pub(super) fn update_package(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.package_rules(&mut v, false);
        if let Some(slug) = v.str("slug")
            && self.slug_taken(Kind::Package, slug, Some(id))
        {
            v.fail("slug", "The slug has already been taken.");
        }
        if let Err(r) = v.finish() {
            return r;
        }
        if nulls_a_not_null_column(body, &Self::NOT_NULL) {
            return server_error();
        }
        let mut changes = v.take(&Self::PACKAGE_FIELDS);
        if let Some(c) = v.u64("catalog_id") {
            changes.insert("_catalog_id".into(), json!(c));
        }
        self.touch(Kind::Package, id, changes);
        // `$package->fresh()->load('catalog')`: no prices, no variants.
        self.plain(200, Kind::Package, id)
    }

    /// The relations of `PackageResource`: `catalog` always; `prices` and `variants.options.prices` on show.
    pub(super) fn package_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        let catalog = rec_u64(record, "_catalog_id")
            .and_then(|id| self.get(Kind::Catalog, id))
            .map(|c| self.render(Kind::Catalog, c, false));
        put("catalog", catalog);
        if full {
            put(
                "prices",
                Some(record.get("_prices").cloned().unwrap_or(json!([]))),
            );
            let variants: Vec<Value> = record
                .get("_variant_ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .filter_map(|id| self.get(Kind::Variant, id))
                .map(|v| self.render(Kind::Variant, v, true))
                .collect();
            put("variants", Some(Value::Array(variants)));
        }
    }
}
