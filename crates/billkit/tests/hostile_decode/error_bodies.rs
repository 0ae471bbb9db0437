//! `ApiErrorBody::parse_in` (through `ApiError::from_response`, its `Display`
//! and the classifiers) on arbitrary and damaged bodies.

use std::collections::BTreeMap;

use billkit::ApiErrorBody;
use proptest::prelude::*;

use crate::fixtures::{self, NASTY, damage};
use crate::{config, oracle};

const MARK: &str = "There are errors in following parameters";

/// Billy's rules read its form pages.
fn parse(text: &str) -> ApiErrorBody {
    ApiErrorBody::parse_in(&billkit::billy::BillyDialect, text)
}

fn form(fields: BTreeMap<String, Vec<String>>) -> ApiErrorBody {
    ApiErrorBody::FormErrors {
        message: MARK.into(),
        fields,
    }
}

#[test]
fn form_page_cut_at_an_open_tag_does_not_panic() {
    // Used to panic: `begin <= end (3 <= 2)` slicing the unterminated tag.
    let body = parse("There are errors in following parameters: <");
    assert_eq!(body, form(Default::default()));
    oracle::error_body(b"There are errors in following parameters: <");
    oracle::error_body(b"There are errors in following parameters:<");
    oracle::error_body(b"There are errors in following parameters<");
}

#[test]
fn form_page_cut_inside_a_multi_byte_character_tag_does_not_panic() {
    // Used to panic: the unterminated tag was sliced one byte short of the
    // end, inside `é`.
    for text in [
        "There are errors in following parameters: <é",
        "There are errors in following parameters: <ul><li>amount:<ul><li>é",
        "There are errors in following parameters: <ul><li>€",
        "There are errors in following parameters: <😀",
        "There are errors in following parameters: &lt;ul&gt;&lt;li&gt;x:&lt;€",
    ] {
        let body = parse(text);
        assert!(
            matches!(body, ApiErrorBody::FormErrors { .. }),
            "{text}: {body:?}"
        );
        oracle::error_body(text.as_bytes());
    }
}

#[test]
fn a_cut_form_page_keeps_the_fields_it_had_read() {
    let body = parse(
        "There are errors in following parameters: <ul><li>amount:<ul><li>This field is required.</li></ul></li><li>plan_ty",
    );
    let fields = body.validation_errors();
    assert_eq!(fields["amount"], vec!["This field is required.".to_owned()]);
    assert!(fields.contains_key("plan_ty"), "{fields:?}");
}

/// Every prefix of every error fixture, cut at every byte (an invalid UTF-8
/// tail becomes U+FFFD, as `from_response` does) and at every character.
#[test]
fn every_truncation_of_every_error_fixture() {
    for f in fixtures::errors() {
        for at in 0..=f.bytes.len() {
            oracle::error_body(&f.bytes[..at]);
        }
        let text = f.text();
        for (at, _) in text.char_indices() {
            let cut = &text[..at];
            let body = parse(cut);
            if cut.contains(MARK) && !f.name.ends_with(".json") {
                assert!(
                    matches!(body, ApiErrorBody::FormErrors { .. }),
                    "{} cut at {at}: {body:?}",
                    f.name
                );
            }
        }
    }
}

/// The form pages with every nasty text inserted at every position.
#[test]
fn form_pages_with_markup_inserted_everywhere() {
    for f in fixtures::errors()
        .into_iter()
        .filter(|f| f.text().contains(MARK))
    {
        let text = f.text();
        for (at, _) in text.char_indices() {
            for nasty in NASTY {
                let mut t = text.clone();
                t.insert_str(at, nasty);
                let _ = parse(&t);
            }
        }
    }
}

fn form_page() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        proptest::sample::select(NASTY).prop_map(str::to_owned),
        "[a-z_]{1,8}:?",
        "\\PC{0,6}",
    ];
    (
        "\\PC{0,10}",
        proptest::collection::vec(piece, 0..24),
        any::<bool>(),
    )
        .prop_map(|(head, pieces, escape)| {
            let list = pieces.concat();
            let list = if escape {
                list.replace('<', "&lt;").replace('>', "&gt;")
            } else {
                list
            };
            format!("{head}{MARK}: {list}")
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        oracle::error_body(&bytes);
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,200}") {
        oracle::error_body(text.as_bytes());
    }

    #[test]
    fn arbitrary_form_pages(text in form_page()) {
        let body = parse(&text);
        // A text starting with the mark is never JSON.
        prop_assert!(matches!(body, ApiErrorBody::FormErrors { .. }) || text.trim_start().starts_with(['{', '[', '"']) , "{:?}", body);
        oracle::error_body(text.as_bytes());
    }

    #[test]
    fn damaged_error_fixtures(
        index in any::<proptest::sample::Index>(),
        damages in proptest::collection::vec(damage(), 1..4),
    ) {
        let errors = fixtures::errors();
        let f = index.get(&errors);
        let mut bytes = f.bytes.clone();
        for d in &damages {
            bytes = d.apply(&bytes);
        }
        oracle::error_body(&bytes);
    }

    #[test]
    fn json_error_shapes_with_any_values(
        key in prop_oneof![
            Just("error".to_owned()),
            Just("message".to_owned()),
            Just("errors".to_owned()),
            Just("error_class".to_owned()),
            Just("error_message".to_owned()),
            "[a-z]{1,6}",
        ],
        value in crate::fixtures::replacement(),
        second in crate::fixtures::replacement(),
    ) {
        let doc = serde_json::json!({ key.clone(): value, "errors": second, "error_message": "m" });
        oracle::error_body(doc.to_string().as_bytes());
        let doc = serde_json::json!({ key: value });
        oracle::error_body(doc.to_string().as_bytes());
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Field → messages as Billy reports them; `lt` says whether messages may
/// hold `<`.
fn field_errors(lt: bool) -> impl Strategy<Value = BTreeMap<String, Vec<String>>> {
    let message = if lt {
        "\\PC{0,12}[^\\s:]"
    } else {
        "[^<]{0,12}[^\\s:<]"
    };
    proptest::collection::btree_map(
        "[a-z_][a-z_0-9.]{0,10}",
        proptest::collection::vec(
            message.prop_filter("no white space at the ends", |m: &String| {
                m.trim() == m && !m.chars().any(char::is_control)
            }),
            1..3,
        ),
        0..4,
    )
}

/// Billy's list of field errors, as text (the list is markup, messages are
/// escaped) and as Billy's HTML page (which escapes the list once more).
fn form_pages(fields: &BTreeMap<String, Vec<String>>) -> (String, String) {
    let list: String = fields
        .iter()
        .map(|(k, msgs)| {
            let items: String = msgs
                .iter()
                .map(|m| format!("<li>{}</li>", html_escape(m)))
                .collect();
            format!("<li>{k}:<ul>{items}</ul></li>")
        })
        .collect();
    let text = format!("{MARK}: <ul>{list}</ul>");
    let html = format!(
        "<html><body><h1>400 Bad Request</h1>\n{}\n</body></html>",
        html_escape(&text)
    );
    (text, html)
}

proptest! {
    #![proptest_config(config(256))]

    /// The fields and messages read back from both pages, whatever
    /// characters the messages hold (but `<`: see below).
    #[test]
    fn form_errors_read_back_in_text_and_html(fields in field_errors(false)) {
        let (text, html) = form_pages(&fields);
        prop_assert_eq!(parse(&text), form(fields.clone()));
        prop_assert_eq!(parse(&html), form(fields));
    }

    /// A text page whose messages hold an escaped `<` (`&lt;`) is taken for
    /// the escaped HTML form and unescaped as a whole, so the message turns
    /// into a tag and is lost.
    ///
    /// Reproducer: `parse("There are errors in following
    /// parameters: <ul><li>x:<ul><li>&lt;A</li></ul></li></ul>")` gives
    /// `FormErrors({"x": []})`, not `{"x": ["<A"]}` (src/error.rs
    /// `parse_form_errors`, the `contains("&lt;")` test).
    #[test]
    fn form_errors_with_lt_in_messages_read_back(fields in field_errors(true)) {
        let (text, html) = form_pages(&fields);
        prop_assert_eq!(parse(&html), form(fields.clone()));
        prop_assert_eq!(parse(&text), form(fields));
    }
}

/// The reproducer of `form_errors_with_lt_in_messages_read_back`.
#[test]
fn text_page_message_with_an_escaped_lt_is_kept() {
    let body = parse(
        "There are errors in following parameters: <ul><li>x:<ul><li>&lt;A</li></ul></li></ul>",
    );
    let want = BTreeMap::from([("x".to_owned(), vec!["<A".to_owned()])]);
    assert_eq!(body, form(want));
}
