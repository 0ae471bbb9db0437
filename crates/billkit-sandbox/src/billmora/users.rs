//! The fake of Billmora's `/users`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn email_taken(&self, email: &str, except: Option<u64>) -> bool {
        self.table(Kind::User)
            .into_iter()
            .flat_map(|t| t.values())
            .any(|u| {
                u.get("email")
                    .and_then(Value::as_str)
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
                    && rec_u64(u, "id") != except
            })
    }

    pub(super) fn create_user(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.string("first_name", true, 255);
        v.string("last_name", true, 255);
        if v.string("email", true, 255) {
            v.email("email");
        }
        if let Some(e) = v.str("email")
            && self.email_taken(e, None)
        {
            v.fail("email", "The email has already been taken.");
        }
        if v.string("password", true, usize::MAX) {
            v.min_len("password", 8);
        }
        v.one_of("status", false, &["active", "suspended", "closed"]);
        v.string("currency", false, 10);
        v.string("language", false, 10);
        if let Err(r) = v.finish() {
            return r;
        }
        if body.contains_key("currency")
            || nulls_a_not_null_column(body, &["status", "language"])
            || v.str("language").is_some_and(|l| l.chars().count() > 5)
        {
            // No `currency` column; `status`/`language` are NOT NULL and
            // `language` is char(5) although the rules say max:10.
            return server_error();
        }
        let (first, last) = (
            v.str("first_name").unwrap_or(""),
            v.str("last_name").unwrap_or(""),
        );
        let t = now(&self.clock);
        let record = obj(json!({
            "first_name": first, "last_name": last, "fullname": format!("{first} {last}"),
            "email": v.str("email").unwrap_or(""), "status": v.str("status").unwrap_or("active"),
            "currency": null, "language": v.str("language").unwrap_or("en_US"),
            "auto_credit_payment": false, "email_verified_at": null, "created_at": t, "updated_at": t
        }));
        let id = self.insert(Kind::User, record);
        // UsersController::store answers the model as inserted.
        self.created(
            Kind::User,
            id,
            &[
                "status",
                "language",
                "auto_credit_payment",
                "email_verified_at",
            ],
            body,
        )
    }

    pub(super) fn update_user(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        // Every rule is `sometimes`, none `nullable`.
        v.null_fails = true;
        v.string("first_name", false, 255);
        v.string("last_name", false, 255);
        if v.string("email", false, 255) {
            v.email("email");
            if let Some(e) = v.str("email")
                && self.email_taken(e, Some(id))
            {
                v.fail("email", "The email has already been taken.");
            }
        }
        if v.string("password", false, usize::MAX) {
            v.min_len("password", 8);
        }
        v.one_of("status", false, &["active", "suspended", "closed"]);
        v.string("currency", false, 10);
        v.string("language", false, 10);
        if let Err(r) = v.finish() {
            return r;
        }
        if body.contains_key("currency")
            || nulls_a_not_null_column(
                body,
                &["first_name", "last_name", "email", "status", "language"],
            )
            || v.str("language").is_some_and(|l| l.chars().count() > 5)
        {
            return server_error();
        }
        let mut changes = v.take(&["first_name", "last_name", "email", "status", "language"]);
        if let Some(u) = self.get(Kind::User, id) {
            let first = changes
                .get("first_name")
                .or(u.get("first_name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let last = changes
                .get("last_name")
                .or(u.get("last_name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let full = format!("{first} {last}");
            changes.insert("fullname".into(), json!(full));
        }
        self.touch(Kind::User, id, changes);
        self.data(200, Kind::User, id)
    }
}
