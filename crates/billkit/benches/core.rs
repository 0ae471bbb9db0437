//! Parsing speed of the hot paths: exact amounts, a 25-item page and error
//! bodies. Run with `cargo bench`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};

/// A full BillPro product page (25 items, BillPro's page size): exact
/// amounts, an interval sent as a string, timestamps with a fraction.
const PAGE_OF_25: &str = include_str!("../fixtures/billpro/products_page_full.json");

fn bench(c: &mut Criterion) {
    c.bench_function("decode a 25-item page with exact amounts", |b| {
        b.iter(|| {
            serde_json::from_str::<Vec<billkit::billpro::Product>>(black_box(PAGE_OF_25)).unwrap()
        })
    });
    c.bench_function("parse a decimal amount", |b| {
        b.iter(|| billkit::money::parse_decimal(black_box("1234567.8912345678")).unwrap())
    });
    let laravel = r#"{"message":"The email field is required. (and 1 more error)","errors":{"email":["The email field is required."],"items.0.quantity":["Must be at least 1."]}}"#;
    c.bench_function("parse a Laravel error body", |b| {
        b.iter(|| billkit::ApiErrorBody::parse(black_box(laravel)))
    });
    let billy = "There are errors in following parameters: <ul><li>amount:<ul><li>This field is required.</li></ul></li><li>plan_type:<ul><li>Not a valid choice</li></ul></li></ul>";
    c.bench_function("parse a Billy form-error page", |b| {
        b.iter(|| billkit::ApiErrorBody::parse(black_box(billy)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
