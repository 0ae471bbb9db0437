//! The fake of Billmora's `/tickets`.

#[allow(unused_imports)]
use super::*;

impl State {
    pub(super) fn create_ticket(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        if v.required("user_id") && !self.exists(Kind::User, v.u64("user_id")) {
            v.fail("user_id", "The selected user id is invalid.");
        }
        v.string("subject", true, 255);
        v.string("department", true, 255);
        v.one_of("priority", true, &["low", "medium", "high"]);
        v.string("message", true, usize::MAX);
        if let Err(r) = v.finish() {
            return r;
        }
        if self.ticket_collisions > 0 {
            // The insert that breaks the unique key still uses up an id.
            self.ticket_collisions -= 1;
            *self.next_id.entry(Kind::Ticket).or_insert(1) += 1;
            return server_error();
        }
        let t = now(&self.clock);
        let message_id = self.child_id(TICKET_MESSAGES);
        let record = obj(json!({
            "ticket_number": self.next_number(Kind::Ticket, "ticket_number", "TKT"), "subject": v.str("subject"), "status": "open",
            "priority": v.str("priority"), "department": v.str("department"), "last_reply_at": null,
            "closed_at": null, "_user_id": v.u64("user_id"),
            "_messages": [{"id": message_id, "message": v.str("message"), "is_staff_reply": false,
                           "_user_id": v.u64("user_id"), "created_at": t}],
            "created_at": t, "updated_at": t
        }));
        let id = self.insert(Kind::Ticket, record);
        self.data(201, Kind::Ticket, id)
    }

    pub(super) fn update_ticket(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &["open", "answered", "customer-reply", "closed"],
        );
        v.one_of("priority", false, &["low", "medium", "high"]);
        v.string("department", false, 255);
        if v.present("assigned_to") && !self.exists(Kind::User, v.u64("assigned_to")) {
            v.fail("assigned_to", "The selected assigned to is invalid.");
        }
        if let Err(r) = v.finish() {
            return r;
        }
        if v.str("status") == Some("customer-reply") {
            // Passes the `in:` rule; not a value of the column's enum.
            return server_error();
        }
        // Only the sent columns change (no `closed_at`).
        let changes = v.take(&["status", "priority", "department"]);
        self.touch(Kind::Ticket, id, changes);
        self.data(200, Kind::Ticket, id)
    }

    /// The relations of `TicketResource`: `user` always; `messages.user` on show, create and update.
    pub(super) fn ticket_relations(
        &self,
        record: &Record,
        full: bool,
        put: &mut dyn FnMut(&str, Option<Value>),
    ) {
        put("user", Some(self.loaded_user(record)));
        if full {
            let messages: Vec<Value> = record
                .get("_messages")
                .and_then(Value::as_array)
                .map(|msgs| {
                    msgs.iter()
                        .map(|m| {
                            let mut m = obj(m.clone());
                            let author = m
                                .remove("_user_id")
                                .and_then(|v| v.as_u64())
                                .and_then(|id| self.get(Kind::User, id))
                                .map_or(Value::Null, |u| self.render(Kind::User, u, false));
                            m.insert("user".into(), author);
                            Value::Object(m)
                        })
                        .collect()
                })
                .unwrap_or_default();
            put("messages", Some(Value::Array(messages)));
        }
    }
}
