//! The fake of Billmora's `/variants`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn create_variant(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.string("name", true, 255);
        v.string("code", false, 255);
        v.one_of("status", false, &["visible", "hidden"]);
        v.boolean("is_scalable");
        if let Err(r) = v.finish() {
            return r;
        }
        // `variants.type` is NOT NULL without a default and the API never
        // sets it (VariantsController.php:57): every create is a 500.
        server_error()
    }

    pub(super) fn update_variant(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.string("name", false, 255);
        v.string("code", false, 255);
        v.one_of("status", false, &["visible", "hidden"]);
        v.boolean("is_scalable");
        if let Err(r) = v.finish() {
            return r;
        }
        if nulls_a_not_null_column(body, &["code"]) {
            return server_error();
        }
        let changes = v.take(&["name", "code", "status", "is_scalable"]);
        self.touch(Kind::Variant, id, changes);
        self.data(200, Kind::Variant, id)
    }

    /// The relations of `VariantResource`: `options.prices` everywhere (list, show, update).
    pub(super) fn variant_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        let _ = full; // the same relations on every endpoint
        put(
            "options",
            Some(record.get("_options").cloned().unwrap_or(json!([]))),
        );
    }
}
