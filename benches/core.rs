//! Parsing speed of the hot paths: exact amounts, a 25-item page and error
//! bodies. Run with `cargo bench`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Product {
    id: u64,
    #[serde(with = "billkit::money::decimal")]
    price: billkit::Decimal,
    #[serde(with = "billkit::lenient::int")]
    scheduled_interval: u32,
    #[serde(with = "billkit::lenient::timestamp")]
    created_at: chrono::DateTime<chrono::Utc>,
}

fn page_of_25() -> String {
    let one = r#"{"id":1,"price":"44.99","scheduled_interval":"1","created_at":"2024-02-12T15:12:37.314Z"}"#;
    format!("[{}]", vec![one; 25].join(","))
}

fn bench(c: &mut Criterion) {
    let page = page_of_25();
    c.bench_function("decode a 25-item page with exact amounts", |b| {
        b.iter(|| serde_json::from_str::<Vec<Product>>(black_box(&page)).unwrap())
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
