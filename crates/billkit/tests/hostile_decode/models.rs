//! Every model decoder on arbitrary bytes and on damaged fixtures.

use proptest::prelude::*;
use serde_json::Value;

use crate::fixtures::{self, damage, pointers, replacement, swap_type};
use crate::{config, oracle};

#[test]
fn the_fixture_table_matches_the_models() {
    let names = oracle::MODELS;
    for (f, m) in fixtures::responses() {
        let api = f.name.split('/').next().unwrap();
        assert!(
            names[m].contains(&format!("::{api}::")),
            "{} is mapped to {}",
            f.name,
            names[m]
        );
    }
    // The fuzz seeds (fuzz/seed_corpus.sh) use the same indices.
    assert_eq!(names[0], "billkit::billpro::Customer");
    assert_eq!(names[12], "billkit::billy::Invoice");
    assert_eq!(names[18], "billkit::billy::Company");
    assert_eq!(names[22], "billkit::billmora::User");
    assert_eq!(names[33], "billkit::billmora::Deleted");
}

#[test]
fn every_fixture_decodes_as_its_model() {
    for (f, m) in fixtures::responses() {
        oracle::model_by_index(m, &f.bytes);
    }
    for f in fixtures::all() {
        oracle::all_models(&f.bytes);
    }
}

/// Each response fixture, cut at every 7th byte (and the last 16), decoded as
/// its model.
#[test]
fn truncated_fixtures() {
    for (f, m) in fixtures::responses() {
        let n = f.bytes.len();
        for at in (0..n).step_by(7).chain(n.saturating_sub(16)..n) {
            oracle::model_by_index(m, &f.bytes[..at]);
        }
    }
}

/// Replaces the value at one position in a document.
fn replace_at(doc: &Value, pointer: &str, with: Value) -> Value {
    let mut doc = doc.clone();
    if pointer.is_empty() {
        return with;
    }
    if let Some(slot) = doc.pointer_mut(pointer) {
        *slot = with;
    }
    doc
}

/// Every field of every response fixture set to `null`, and every number
/// turned into a string and back: one at a time.
#[test]
fn null_and_type_swap_for_each_field() {
    for (f, m) in fixtures::responses() {
        let Ok(doc) = serde_json::from_slice::<Value>(&f.bytes) else {
            continue;
        };
        for p in pointers(&doc) {
            let original = doc.pointer(&p).unwrap();
            for with in [Value::Null, swap_type(original)] {
                let body = serde_json::to_vec(&replace_at(&doc, &p, with)).unwrap();
                oracle::model_by_index(m, &body);
            }
        }
    }
}

/// Open enums keep values they do not know: a new status from the server
/// is a tolerant parse, not an error.
#[test]
fn unknown_enum_strings_are_kept() {
    let enum_keys = [
        "status",
        "order_type",
        "product_type",
        "purchase_type",
        "invoice_type",
        "transaction_type",
        "plan_type",
        "frequency",
        "submit_status",
        "billing_type",
        "billing_period",
        "priority",
        "scaling_status",
        "allow_quantity",
        "profile_payment_method",
        "unit",
    ];
    let mut checked = 0;
    for (f, m) in fixtures::responses() {
        let Ok(doc) = serde_json::from_slice::<Value>(&f.bytes) else {
            continue;
        };
        if oracle::decode_by_index(m, &f.bytes).is_err() {
            continue;
        }
        for p in pointers(&doc) {
            let key = p.rsplit('/').next().unwrap();
            if !enum_keys.contains(&key) || !doc.pointer(&p).unwrap().is_string() {
                continue;
            }
            let body =
                serde_json::to_vec(&replace_at(&doc, &p, Value::from("zzz_new_value"))).unwrap();
            if let Err(e) = oracle::decode_by_index(m, &body) {
                panic!("{} with {p} = \"zzz_new_value\": {e}", f.name);
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} enum fields found");
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_as_every_model(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        oracle::all_models(&bytes);
    }

    #[test]
    fn arbitrary_json_as_every_model(v in json_value()) {
        oracle::all_models(v.to_string().as_bytes());
    }

    #[test]
    fn damaged_fixtures(
        index in any::<proptest::sample::Index>(),
        damages in proptest::collection::vec(damage(), 1..4),
    ) {
        let responses = fixtures::responses();
        let (f, m) = index.get(&responses);
        let mut bytes = f.bytes.clone();
        for d in &damages {
            bytes = d.apply(&bytes);
        }
        oracle::model_by_index(*m, &bytes);
    }

    #[test]
    fn one_field_replaced(
        index in any::<proptest::sample::Index>(),
        at in any::<proptest::sample::Index>(),
        with in replacement(),
    ) {
        let responses = fixtures::responses();
        let (f, m) = index.get(&responses);
        let Ok(doc) = serde_json::from_slice::<Value>(&f.bytes) else {
            return Ok(());
        };
        let ps = pointers(&doc);
        let p = at.get(&ps);
        let body = serde_json::to_vec(&replace_at(&doc, p, with)).unwrap();
        oracle::model_by_index(*m, &body);
    }
}

/// Small arbitrary JSON documents.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("data".to_owned()),
                    Just("items".to_owned()),
                    Just("status".to_owned()),
                    Just("amount".to_owned()),
                    Just("price".to_owned()),
                    "[a-z_]{1,10}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
