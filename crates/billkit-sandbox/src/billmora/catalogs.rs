//! The fake of Billmora's `/catalogs`.

#[allow(unused_imports)]
use super::*;

impl State {
    /// `unique:<table>,slug` (packages: across all catalogs).
    pub(super) fn slug_taken(&self, kind: Kind, slug: &str, except: Option<u64>) -> bool {
        self.table(kind)
            .into_iter()
            .flat_map(|t| t.values())
            .any(|r| {
                r.get("slug")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.eq_ignore_ascii_case(slug))
                    && rec_u64(r, "id") != except
            })
    }

    pub(super) fn catalog_rules(v: &mut Validator<'_>, creating: bool) {
        v.string("name", creating, 255);
        v.string("slug", false, 255);
        v.string("description", false, usize::MAX);
        v.string("icon", false, 255);
        v.one_of("status", false, &["visible", "hidden"]);
        v.integer("sort_order", false, i64::MIN, i64::MAX);
        // (A value beyond 32 bits passes here and fails in MySQL: see create.)
    }

    pub(super) fn create_catalog(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        Self::catalog_rules(&mut v, true);
        if let Err(r) = v.finish() {
            return r;
        }
        if let Some(slug) = v.str("slug")
            && self.slug_taken(Kind::Catalog, slug, None)
        {
            v.fail("slug", "The slug has already been taken.");
        }
        if let Err(r) = v.finish() {
            return r;
        }
        // `slug` and `description` are NOT NULL without a default.
        if v.str("slug").is_none() || v.str("description").is_none() {
            return server_error();
        }
        let t = now(&self.clock);
        let mut record = obj(
            json!({"icon": null, "status": "visible", "sort_order": 0, "created_at": t, "updated_at": t}),
        );
        record.extend(v.take(&[
            "name",
            "slug",
            "description",
            "icon",
            "status",
            "sort_order",
        ]));
        let id = self.insert(Kind::Catalog, record);
        // CatalogsController::store: the model as inserted, nothing loaded.
        self.created(Kind::Catalog, id, &["icon", "status", "sort_order"], body)
    }

    pub(super) fn update_catalog(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        Self::catalog_rules(&mut v, false);
        if let Some(slug) = v.str("slug")
            && self.slug_taken(Kind::Catalog, slug, Some(id))
        {
            v.fail("slug", "The slug has already been taken.");
        }
        if let Err(r) = v.finish() {
            return r;
        }
        if nulls_a_not_null_column(body, &["slug", "description", "sort_order"]) {
            return server_error();
        }
        let changes = v.take(&[
            "name",
            "slug",
            "description",
            "icon",
            "status",
            "sort_order",
        ]);
        self.touch(Kind::Catalog, id, changes);
        // `new CatalogResource($catalog->fresh())`: no packages.
        self.plain(200, Kind::Catalog, id)
    }

    /// The relations of `CatalogResource`: `packages` on show (`$catalog->load('packages')`).
    pub(super) fn catalog_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        let _ = full; // the same relations on every endpoint
        let packages: Vec<Value> = self
            .sorted(Kind::Package)
            .into_iter()
            .filter(|p| rec_u64(p, "_catalog_id") == rec_u64(record, "id"))
            .map(|p| self.bare(p))
            .collect();
        put("packages", Some(Value::Array(packages)));
    }
}
