//! offset/limit walks over `{items, limit, offset}`.

use billkit::TryStreamExt;
use billkit::http::Cursor;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::query_param;

use crate::*;

/// A page of `n` plans numbered from `first`, as Billy sends it.
fn plans_page(first: usize, n: usize, limit: u32, offset: u64) -> ResponseTemplate {
    let seed: Value = serde_json::from_str(&fixture("plan_get.json")).unwrap();
    let items: Vec<Value> = (first..first + n)
        .map(|i| {
            let mut p = seed.clone();
            p["guid"] = json!(format!("PL{i:04}"));
            p
        })
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(json!({"items": items, "limit": limit, "offset": offset}))
}

#[tokio::test]
async fn walks_until_a_short_page() {
    let (server, client) = setup().await;
    for (offset, n) in [(0u64, 20usize), (20, 20), (40, 3)] {
        authed("GET", "/v1/plans")
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "20"))
            .respond_with(plans_page(offset as usize, n, 20, offset))
            .expect(1)
            .mount(&server)
            .await;
    }
    let all: Vec<_> = client.plans().list().stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 43);
    assert_eq!(all[0].guid, "PL0000");
    assert_eq!(all[42].guid, "PL0042");
}

#[tokio::test]
async fn a_full_last_page_costs_one_empty_request() {
    let (server, client) = setup().await;
    for (offset, n) in [(0u64, 2usize), (2, 0)] {
        authed("GET", "/v1/transactions")
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "2"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({
                    // Two transactions (one record twice would be yielded once).
                    "items": (0..n).map(|i| {
                        let mut tx = serde_json::from_str::<Value>(&fixture("transaction_get.json")).unwrap();
                        tx["guid"] = json!(format!("TX{i}"));
                        tx
                    }).collect::<Vec<_>>(),
                    "limit": 2, "offset": offset
                })),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let all = client
        .transactions()
        .list()
        .per_page(2)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[tokio::test]
async fn single_page_and_resume() {
    let (server, client) = setup().await;
    authed("GET", "/v1/plans")
        .and(query_param("offset", "10"))
        .and(query_param("limit", "5"))
        .respond_with(plans_page(10, 5, 5, 10))
        .expect(2)
        .mount(&server)
        .await;
    let page = client.plans().list().per_page(5).page(3).await.unwrap();
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.cursor, Cursor::Offset(10));
    assert_eq!(page.next, Some(Cursor::Offset(15)));
    assert_eq!(page.items[0].guid, "PL0010");

    authed("GET", "/v1/plans")
        .and(query_param("offset", "15"))
        .and(query_param("limit", "5"))
        .respond_with(plans_page(15, 1, 5, 15))
        .expect(1)
        .mount(&server)
        .await;
    let rest = client
        .plans()
        .list()
        .per_page(5)
        .start_at(Cursor::Offset(10))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(rest.len(), 6);
}

#[tokio::test]
async fn an_error_mid_walk_keeps_the_position() {
    let (server, client) = setup().await;
    authed("GET", "/v1/plans")
        .and(query_param("offset", "0"))
        .respond_with(plans_page(0, 20, 20, 0))
        .mount(&server)
        .await;
    authed("GET", "/v1/plans")
        .and(query_param("offset", "20"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Server Error"))
        .mount(&server)
        .await;
    let mut items = client.plans().list().stream();
    let mut got = 0;
    let err = loop {
        match items.try_next().await {
            Ok(Some(_)) => got += 1,
            Ok(None) => panic!("the walk should fail"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, 20);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(items.cursor(), Some(Cursor::Offset(20)));
}
