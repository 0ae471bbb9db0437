//! Customers: create, get, list, update, and their error bodies.

use billkit::billpro::{Address, AddressUpdate, CustomerUpdate, NewCustomer, Organisation};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

/// The create-customer body of the first-steps guide.
pub(crate) fn seed_customer() -> NewCustomer {
    let bath = || Address::new("28 Milsom St", "Bath", "GB", "BA1 1DG").state("Avon");
    NewCustomer::new("Dana", "Borys", "dana.borys@example.com")
        .date_of_birth(date(1995, 5, 12))
        .phone("+44770000000000")
        .organisation(
            Organisation::new("TEST1")
                .registration_number("081234567")
                .web_url("https://staging.bill.pro")
                .vat("GB0123456789")
                .description("Mutual society"),
        )
        .billing_address(bath())
        .shipping_address(bath())
}

fn assert_fixture_customer(c: &billkit::billpro::Customer) {
    assert_eq!(c.id.get(), 42);
    assert_eq!(c.customer_id, "C7Q2M9X4KD");
    assert_eq!(c.first_name, "Dana");
    assert_eq!(c.last_name, "Borys");
    assert_eq!(c.date_of_birth, Some(date(1995, 5, 12)));
    assert_eq!(c.email, "dana.borys@example.com");
    assert_eq!(c.phone.as_deref(), Some("+447700900123"));
    assert_eq!(c.created_at, ts("2024-02-12T15:12:37.314Z"));
    assert_eq!(c.updated_at, ts("2024-02-12T15:12:37.314Z"));
    let org = c.organisation.as_ref().unwrap();
    assert_eq!(org.created_at, Some(ts("2024-02-12T15:12:37.402Z")));
    let billing = c.addresses.billing_address.as_ref().unwrap();
    assert_eq!(billing.created_at, Some(ts("2024-02-12T15:12:37.355Z")));
    let shipping = c.addresses.shipping_address.as_ref().unwrap();
    assert_eq!(shipping.state, None);
    assert_eq!(
        serde_json::to_value(c).unwrap(),
        json!({
            "id": 42, "customer_id": "C7Q2M9X4KD", "first_name": "Dana", "last_name": "Borys",
            "date_of_birth": "12/05/1995", "email": "dana.borys@example.com",
            "phone": "+447700900123",
            "organisation": {"name": "TEST1", "registration_number": "081234567",
                "web_url": "https://staging.bill.pro", "vat": "GB0123456789",
                "description": "Mutual society"},
            "addresses": {
                "billing_address": {"street": "28 Milsom St", "city": "Bath", "state": "Avon",
                    "country": "GB", "postal_code": "BA1 1DG"},
                "shipping_address": {"street": "1 Quay St", "city": "Bristol",
                    "country": "GB", "postal_code": "BS1 4DJ"}
            },
            "created_at": "2024-02-12T15:12:37.314Z", "updated_at": "2024-02-12T15:12:37.314Z"
        })
    );
}

#[tokio::test]
async fn create_sends_the_wrapped_body_and_reads_the_201() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/customers"))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .and(header("content-type", "application/json"))
        .and(body_json(fixture_json("customer_create_request.json")))
        .respond_with(json(201, fixture("customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    let customer = client.customers().create(&seed_customer()).await.unwrap();
    assert_fixture_customer(&customer);
}

#[tokio::test]
async fn create_is_not_retried_after_a_server_error() {
    let server = wiremock::MockServer::start().await;
    let clock = billkit::http::ManualClock::new();
    let client = billkit::billpro::Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .profile_id(5)
        .manual_time(&clock)
        .build()
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/api/v1/customers"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .customers()
        .create(&seed_customer())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn get_reads_the_customer() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customers/42"))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .respond_with(json(200, fixture("customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    let customer = client.customers().get(42).await.unwrap();
    assert_fixture_customer(&customer);
}

#[tokio::test]
async fn list_walks_pages_and_reads_lenient_fields() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customers"))
        .and(query(&[("page", "1"), ("profile_id", "5")]))
        .and(header("authorization", BEARER))
        .respond_with(json(200, fixture("customers_page_short.json")))
        .expect(1)
        .mount(&server)
        .await;
    let all = client.customers().list().collect_all().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id.get(), 42);
    assert_eq!(all[0].organisation, None);
    assert_eq!(all[0].addresses.billing_address, None);
    // An id sent as a string, a null date of birth and a one-digit fraction.
    assert_eq!(all[1].id.get(), 43);
    assert_eq!(all[1].date_of_birth, None);
    assert_eq!(all[1].phone, None);
    assert_eq!(all[1].created_at, ts("2024-03-01T08:00:00Z"));
    assert_eq!(all[1].updated_at, ts("2024-03-02T08:00:00.500Z"));
}

#[tokio::test]
async fn find_by_customer_id_filters_on_the_merchant_id() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customers"))
        .and(query(&[
            ("customer_id", "C7Q2M9X4KD"),
            ("page", "1"),
            ("profile_id", "5"),
        ]))
        .and(header("authorization", BEARER))
        .respond_with(json(200, format!("[{}]", fixture("customer.json"))))
        .expect(1)
        .mount(&server)
        .await;
    let found = client
        .customers()
        .find_by_customer_id("C7Q2M9X4KD")
        .await
        .unwrap()
        .expect("the customer the server sent");
    assert_fixture_customer(&found);
}

#[tokio::test]
async fn update_keeping_addresses_resends_both() {
    let (server, client) = setup().await;
    let current: billkit::billpro::Customer =
        serde_json::from_str(&fixture("customer.json")).unwrap();
    Mock::given(method("PUT"))
        .and(path("/api/v1/customers/42"))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .and(body_json(json!({"customer": {
            "phone": "+447700900123",
            "addresses": {
                "billing_address": {"street": "28 Milsom St", "city": "Bath", "state": "Avon",
                    "country": "GB", "postal_code": "BA1 1DG"},
                "shipping_address": {"street": "1 Quay St", "city": "Bristol",
                    "country": "GB", "postal_code": "BS1 4DJ"}
            }
        }})))
        .respond_with(json(200, fixture("customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    let update = CustomerUpdate::keeping_addresses_of(&current).phone("+447700900123");
    let updated = client
        .customers()
        .update(current.id, &update)
        .await
        .unwrap();
    assert_fixture_customer(&updated);
}

#[tokio::test]
async fn update_removing_an_address_leaves_it_out() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/customers/42"))
        .and(profile_only())
        .and(body_json(json!({"customer": {
            "first_name": "Danuta",
            "date_of_birth": "01/02/1990",
            "addresses": {
                "billing_address": {"street": "2 New St", "city": "Leeds",
                    "country": "GB", "postal_code": "LS1 1AA"}
            }
        }})))
        .respond_with(json(200, fixture("customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    let update = CustomerUpdate::new(
        AddressUpdate::Set(Address::new("2 New St", "Leeds", "GB", "LS1 1AA")),
        AddressUpdate::Remove,
    )
    .first_name("Danuta")
    .date_of_birth(date(1990, 2, 1));
    client.customers().update(42, &update).await.unwrap();
}

#[tokio::test]
async fn update_removing_every_address_sends_an_empty_addresses_object() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/customers/42"))
        .and(profile_only())
        .and(body_json(
            json!({"customer": {"email": "new@example.com", "addresses": {}}}),
        ))
        .respond_with(json(200, fixture("customer.json")))
        .expect(1)
        .mount(&server)
        .await;
    let update =
        CustomerUpdate::new(AddressUpdate::Remove, AddressUpdate::Remove).email("new@example.com");
    client.customers().update(42, &update).await.unwrap();
}
