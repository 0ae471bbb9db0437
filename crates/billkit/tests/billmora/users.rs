//! Contract tests: users, and the lookup by email, against `fixtures/billmora/`.

use crate::common::*;
use billkit::billmora::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, query_param};
use wiremock::{MockServer, ResponseTemplate};

/// Every field of Dana, the first user of `users_list.json`
/// (`users.list.default`, seq 20).
pub fn assert_dana(u: &User) {
    assert_eq!(u.id, 24.into());
    assert_eq!(u.first_name, "Dana");
    assert_eq!(u.last_name, "Borys");
    assert_eq!(u.fullname, "Dana Borys");
    assert_eq!(u.email, "dana@example.com");
    assert_eq!(u.status, Some(UserStatus::Active));
    assert_eq!(u.currency, None);
    assert_eq!(u.language.as_deref(), Some("en_US"));
    assert_eq!(u.auto_credit_payment, Some(false));
    assert_eq!(u.email_verified_at, None);
    // Read back from a MySQL `timestamp`: whole seconds.
    assert_eq!(u.created_at, ts("2026-12-03T07:31:46Z"));
    assert_eq!(u.updated_at, ts("2026-12-03T07:31:46Z"));
}

/// Every field of the user in `users_show.json` (`users.show.ok`, seq 39).
pub fn assert_cust01(u: &User) {
    assert_eq!(u.id, 2.into());
    assert_eq!(u.first_name, "Cust01");
    assert_eq!(u.last_name, "Seed");
    assert_eq!(u.fullname, "Cust01 Seed");
    assert_eq!(u.email, "cust01@example.test");
    assert_eq!(u.status, Some(UserStatus::Active));
    assert_eq!(u.currency, None);
    assert_eq!(u.language.as_deref(), Some("en_US"));
    assert_eq!(u.auto_credit_payment, Some(false));
    assert_eq!(u.email_verified_at, None);
    assert_eq!(u.created_at, ts("2026-12-03T06:31:45Z"));
    assert_eq!(u.updated_at, ts("2026-12-03T06:31:45Z"));
}

#[tokio::test]
async fn users_list_sends_filters_and_paging() {
    let server = MockServer::start().await;
    api("GET", "/users")
        .and(query_param("search", "dana"))
        .and(query_param("status", "active"))
        .respond_with(ok("users_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .users()
        .list(&UserFilter::new().search("dana").status(UserStatus::Active))
        .per_page(2)
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "search=dana&status=active&page=1&per_page=2").await;
    // `users.list.default`: 15 of the 24 users, newest first.
    assert_eq!(page.items.len(), 15);
    assert_eq!(page.total, Some(24));
    assert_eq!(page.last_page, Some(2));
    assert!(!page.is_last());
    assert_dana(&page.items[0]);
    let eve = &page.items[1];
    assert_eq!(
        (eve.id, eve.status.clone()),
        (25.into(), Some(UserStatus::Suspended))
    );
    assert_eq!(eve.email_verified_at, None);
    assert_eq!(eve.auto_credit_payment, Some(false));
    assert_eq!(eve.language.as_deref(), Some("id_ID"));
}

#[tokio::test]
async fn users_get() {
    let server = MockServer::start().await;
    api("GET", "/users/2")
        .respond_with(ok("users_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server).users().get(2).await.unwrap();
    assert_cust01(&user);
    assert_query(&server, "").await;
}

#[tokio::test]
async fn users_create_sends_exact_body() {
    let server = MockServer::start().await;
    api("POST", "/users")
        .and(body_json(json!({
            "first_name": "Min", "last_name": "User", "email": "min.user@example.test",
            "password": "correct horse", "status": "active", "language": "en_US"
        })))
        .respond_with(created("users_create_with_options.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewUser::new("Min", "User", "min.user@example.test", "correct horse")
        .status(UserStatus::Active)
        .language("en_US");
    assert!(
        !format!("{new:?}").contains("correct horse"),
        "Debug must hide the password"
    );
    let user = client(&server).users().create(&new).await.unwrap();
    // UsersController::store: the model as inserted, not re-read.
    assert_eq!(user.id, 26.into());
    assert_eq!(user.fullname, "Min User");
    assert_eq!(user.status, Some(UserStatus::Active));
    assert_eq!(user.language.as_deref(), Some("en_US"));
    assert_eq!(user.auto_credit_payment, None);
    assert_eq!(user.email_verified_at, None);
    // The real server sends whole seconds here too (`users.create.minimal`).
    assert_eq!(user.created_at, ts("2026-12-03T07:46:12Z"));
    assert_eq!(user.created_at.timestamp_subsec_micros(), 0);
    let req = only_request(&server).await;
    assert_eq!(req.headers.get("content-type").unwrap(), "application/json");
}

#[tokio::test]
async fn users_update_sends_only_set_fields() {
    let server = MockServer::start().await;
    api("PUT", "/users/2")
        .and(body_json(
            json!({"status": "suspended", "password": "n3w-passphrase"}),
        ))
        .respond_with(ok("users_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let update = UserUpdate::new()
        .status(UserStatus::Suspended)
        .password("n3w-passphrase");
    assert!(!format!("{update:?}").contains("n3w"));
    let user = client(&server).users().update(2, &update).await.unwrap();
    assert_eq!(user.id, 2.into());
}

#[tokio::test]
async fn users_delete_returns_the_message() {
    let server = MockServer::start().await;
    api("DELETE", "/users/12")
        .respond_with(ok_json(r#"{"message": "User deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let deleted = client(&server).users().delete(12).await.unwrap();
    assert_eq!(deleted.message, "User deleted successfully.");
}

#[tokio::test]
async fn users_create_with_only_required_fields_answers_nulls() {
    let server = MockServer::start().await;
    api("POST", "/users")
        .and(body_json(json!({
            "first_name": "Min", "last_name": "User", "email": "min.user@example.test",
            "password": "correct horse"
        })))
        .respond_with(created("users_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .users()
        .create(&NewUser::new(
            "Min",
            "User",
            "min.user@example.test",
            "correct horse",
        ))
        .await
        .unwrap();
    assert_eq!(user.id, 26.into());
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Min", "User")
    );
    assert_eq!(user.fullname, "Min User");
    assert_eq!(user.email, "min.user@example.test");
    // Columns the request did not set: the database filled them in
    // (`active`, `en_US`, `false`), the un-refreshed model says null.
    assert_eq!(user.status, None);
    assert_eq!(user.language, None);
    assert_eq!(user.auto_credit_payment, None);
    assert_eq!(
        (user.currency.clone(), user.email_verified_at),
        (None, None)
    );
    assert_eq!(user.created_at, ts("2026-12-03T07:46:12Z"));
    assert_eq!(user.updated_at, user.created_at);
}

/// `users_list.json` cut to the users with these ids, as page `page` of
/// `last`.
fn users_page(ids: &[u64], page: u64, last: u64) -> Value {
    let mut body = json_fixture("users_list.json");
    let data: Vec<Value> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| ids.contains(&u["id"].as_u64().unwrap()))
        .cloned()
        .collect();
    body["meta"]["current_page"] = json!(page);
    body["meta"]["last_page"] = json!(last);
    body["meta"]["per_page"] = json!(100);
    body["meta"]["total"] = json!(last);
    body["data"] = Value::Array(data);
    body
}

#[tokio::test]
async fn find_by_email_walks_the_search_and_keeps_the_exact_match() {
    let server = MockServer::start().await;
    // Page 1: a user whose name matched the LIKE search, not the address.
    api("GET", "/users")
        .and(query_param("search", "DANA@example.com"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users_page(&[25], 1, 2)))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/users")
        .and(query_param("search", "DANA@example.com"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users_page(&[24], 2, 2)))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .users()
        .find_by_email("DANA@example.com")
        .await
        .unwrap()
        .expect("found on page 2");
    assert_dana(&user);
    let queries: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        queries,
        vec![
            "search=DANA%40example.com&page=1&per_page=100",
            "search=DANA%40example.com&page=2&per_page=100",
        ]
    );
}

#[tokio::test]
async fn find_by_email_without_a_match_is_none() {
    let server = MockServer::start().await;
    api("GET", "/users")
        .and(query_param("search", "nobody@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users_page(&[24, 25], 1, 1)))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .users()
        .find_by_email("nobody@example.com")
        .await
        .unwrap();
    assert_eq!(found, None);
    assert_query(&server, "search=nobody%40example.com&page=1&per_page=100").await;
}
