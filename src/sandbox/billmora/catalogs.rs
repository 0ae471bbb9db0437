//! The fake of Billmora's `/catalogs`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn catalog_rules(v: &mut Validator<'_>, creating: bool) {
        v.string("name", creating, 255);
        v.string("slug", false, 255);
        v.string("description", false, usize::MAX);
        v.string("icon", false, 255);
        v.one_of("status", false, &["visible", "hidden"]);
        v.integer("sort_order", false, i64::MIN, i64::MAX);
    }

    pub(super) fn create_catalog(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        Self::catalog_rules(&mut v, true);
        if let Err(r) = v.finish() {
            return r;
        }
        if v.str("slug").is_none() || v.str("description").is_none() {
            return message(500, "Server Error");
        }
        let t = now();
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
        self.data(201, Kind::Catalog, id)
    }

    pub(super) fn update_catalog(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        Self::catalog_rules(&mut v, false);
        if let Err(r) = v.finish() {
            return r;
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
        self.data(200, Kind::Catalog, id)
    }
}
