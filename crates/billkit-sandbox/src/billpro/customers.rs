//! Customers: create (checked as BillPro checks them), list, get, update.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{
    Answer, State, field_errors, merchant_code, not_found, page, parse_id, stamp, text, wrapped,
};
use super::{SandboxRequest, SandboxResponse};

#[derive(Serialize, Deserialize)]
pub(super) struct Customer {
    pub(super) id: u64,
    pub(super) profile: u64,
    pub(super) json: Map<String, Value>,
}

impl State {
    pub(super) fn create_customer(&mut self, req: &SandboxRequest, profile: u64) -> Answer {
        let body = wrapped(req, "customer")?;
        let mut errors = BTreeMap::new();
        for field in ["first_name", "last_name", "email"] {
            if text(&body, field).is_none() {
                errors.insert(field.to_owned(), "can't be blank");
            }
        }
        check_customer_fields(&body, &mut errors);
        if !errors.is_empty() {
            return Err(field_errors(errors));
        }
        self.next_customer += 1;
        let id = self.next_customer;
        let now = stamp(self.clock.now());
        let mut json = Map::new();
        json.insert("id".into(), json!(id));
        json.insert("customer_id".into(), json!(merchant_code(id)));
        for field in ["first_name", "last_name", "date_of_birth", "email", "phone"] {
            json.insert(
                field.into(),
                body.get(field).cloned().unwrap_or(Value::Null),
            );
        }
        json.insert(
            "organisation".into(),
            organisation_json(body.get("organisation"), &now, None),
        );
        json.insert(
            "addresses".into(),
            addresses_json(body.get("addresses"), &now, None),
        );
        json.insert("created_at".into(), json!(now));
        json.insert("updated_at".into(), json!(now));
        let answer = SandboxResponse::json(201, &Value::Object(json.clone()));
        self.customers.push(Customer { id, profile, json });
        Ok(answer)
    }

    pub(super) fn list_customers(&self, req: &SandboxRequest, profile: u64) -> Answer {
        let filter = req.query_value("customer_id");
        let items = self
            .customers
            .iter()
            .filter(|c| c.profile == profile)
            .filter(|c| filter.is_none_or(|f| c.json["customer_id"].as_str() == Some(f)))
            .map(|c| Value::Object(c.json.clone()))
            .collect();
        page(req, items)
    }

    pub(super) fn find_customer(&self, id: &str, profile: u64) -> Result<usize, SandboxResponse> {
        let id = parse_id(id)?;
        self.customers
            .iter()
            .position(|c| c.id == id && c.profile == profile)
            .ok_or_else(not_found)
    }

    pub(super) fn get_customer(&self, id: &str, profile: u64) -> Answer {
        let i = self.find_customer(id, profile)?;
        Ok(SandboxResponse::json(
            200,
            &Value::Object(self.customers[i].json.clone()),
        ))
    }

    pub(super) fn update_customer(
        &mut self,
        req: &SandboxRequest,
        id: &str,
        profile: u64,
    ) -> Answer {
        let i = self.find_customer(id, profile)?;
        let body = wrapped(req, "customer")?;
        let mut errors = BTreeMap::new();
        for field in ["first_name", "last_name", "email"] {
            if body.contains_key(field) && text(&body, field).is_none() {
                errors.insert(field.to_owned(), "can't be blank");
            }
        }
        check_customer_fields(&body, &mut errors);
        if !errors.is_empty() {
            return Err(field_errors(errors));
        }
        let now = stamp(self.clock.now());
        let customer = &mut self.customers[i].json;
        for field in ["first_name", "last_name", "date_of_birth", "email", "phone"] {
            if let Some(v) = body.get(field) {
                customer.insert(field.into(), v.clone());
            }
        }
        if let Some(org) = body.get("organisation") {
            let old = customer.get("organisation").cloned();
            customer.insert(
                "organisation".into(),
                organisation_json(Some(org), &now, old.as_ref()),
            );
        }
        // BillPro removes every address an update does not resend.
        let old = customer.get("addresses").cloned();
        customer.insert(
            "addresses".into(),
            addresses_json(body.get("addresses"), &now, old.as_ref()),
        );
        customer.insert("updated_at".into(), json!(now));
        Ok(SandboxResponse::json(200, &Value::Object(customer.clone())))
    }
}

fn organisation_json(input: Option<&Value>, now: &str, old: Option<&Value>) -> Value {
    let Some(Value::Object(org)) = input else {
        return Value::Null;
    };
    let created = old
        .and_then(|o| o.get("created_at"))
        .cloned()
        .unwrap_or_else(|| json!(now));
    let mut out = Map::new();
    for field in [
        "name",
        "registration_number",
        "web_url",
        "vat",
        "description",
    ] {
        out.insert(field.into(), org.get(field).cloned().unwrap_or(Value::Null));
    }
    out.insert("created_at".into(), created);
    out.insert("updated_at".into(), json!(now));
    Value::Object(out)
}

fn addresses_json(input: Option<&Value>, now: &str, old: Option<&Value>) -> Value {
    let mut out = Map::new();
    for kind in ["billing_address", "shipping_address"] {
        let value = match input.and_then(|a| a.get(kind)) {
            Some(Value::Object(a)) => {
                let created = old
                    .and_then(|o| o.get(kind))
                    .and_then(|o| o.get("created_at"))
                    .filter(|c| !c.is_null())
                    .cloned()
                    .unwrap_or_else(|| json!(now));
                let mut addr = Map::new();
                for field in ["street", "city", "state", "country", "postal_code"] {
                    addr.insert(field.into(), a.get(field).cloned().unwrap_or(Value::Null));
                }
                addr.insert("created_at".into(), created);
                addr.insert("updated_at".into(), json!(now));
                Value::Object(addr)
            }
            _ => Value::Null,
        };
        out.insert(kind.into(), value);
    }
    Value::Object(out)
}

fn check_customer_fields(body: &Map<String, Value>, errors: &mut BTreeMap<String, &'static str>) {
    if let Some(email) = text(body, "email") {
        let ok = email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'));
        if !ok {
            errors.insert("email".into(), "is invalid");
        }
    }
    match body.get("phone") {
        None | Some(Value::Null) => {}
        Some(Value::String(p)) if phone_fits_country(p) => {}
        Some(_) => {
            errors.insert("phone".into(), "is invalid");
        }
    }
    match body.get("date_of_birth") {
        None | Some(Value::Null) => {}
        Some(Value::String(d)) if crate::time::parse_dmy(d).is_ok() => {}
        Some(_) => {
            errors.insert("date_of_birth".into(), "is invalid");
        }
    }
    if let Some(Value::Object(addresses)) = body.get("addresses") {
        for kind in ["billing_address", "shipping_address"] {
            if let Some(Value::Object(a)) = addresses.get(kind) {
                let country_ok = a
                    .get("country")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
                if !country_ok {
                    errors.insert(format!("{kind}.country"), "is invalid");
                }
            }
        }
    }
}

/// E.164, and the length must fit the country code (a small table, enough
/// to reproduce the guide's example: `+44` takes 10 more digits, `+1` 10).
fn phone_fits_country(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else {
        return false;
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let national = |code: &str, len: usize| digits.strip_prefix(code).map(|rest| rest.len() == len);
    national("44", 10)
        .or_else(|| national("1", 10))
        .or_else(|| national("353", 9))
        .or_else(|| national("34", 9))
        .unwrap_or((8..=15).contains(&digits.len()))
}
