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
        if v.str("code").is_none() {
            return message(500, "Server Error");
        }
        let t = now();
        let mut record = obj(
            json!({"status": "visible", "is_scalable": false, "sort_order": 0,
                                    "_options": [], "created_at": t, "updated_at": t}),
        );
        record.extend(v.take(&["name", "code", "status", "is_scalable"]));
        let id = self.insert(Kind::Variant, record);
        self.data(201, Kind::Variant, id)
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
        let changes = v.take(&["name", "code", "status", "is_scalable"]);
        self.touch(Kind::Variant, id, changes);
        self.data(200, Kind::Variant, id)
    }
}
