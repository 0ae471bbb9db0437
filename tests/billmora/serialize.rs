//! Every amount a model writes is a string with its scale, whatever shape
//! the server sent it in, and reads back equal.

use billkit::billmora::Invoice;
use serde_json::{Value, json};

use crate::common::fixture;

#[test]
fn every_invoice_amount_is_written_as_a_string_with_its_scale_and_round_trips() {
    let body: Value = serde_json::from_str(&fixture("invoices_show.json")).unwrap();
    // The server sends `amount_due` as a PHP float and the totals as strings.
    assert_eq!(body["data"]["amount_due"], json!(50.98));
    assert_eq!(body["data"]["total"], json!("50.98"));
    let invoice: Invoice = serde_json::from_value(body["data"].clone()).unwrap();
    let written = serde_json::to_value(&invoice).unwrap();
    for field in ["subtotal", "discount", "tax", "total", "amount_due"] {
        assert!(written[field].is_string(), "{field}: {}", written[field]);
    }
    assert_eq!(written["amount_due"], json!("50.98"));
    assert_eq!(written["total"], json!("50.98"));
    assert_eq!(written["tax"], json!("0.00"));
    let back: Invoice = serde_json::from_value(written).unwrap();
    assert_eq!(back, invoice);
}
