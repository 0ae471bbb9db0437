//! Laravel pagination: the walk builds every request itself, keeping the
//! filters and `per_page` the server's own `links` drop.

use billkit::billmora::*;
use billkit::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::MockServer;
use wiremock::matchers::query_param;

use crate::common::*;

/// A page of invoices as Billmora sends it: links without filters.
fn invoice_page(page: u64, last_page: u64, per_page: u64, total: u64, ids: &[u64]) -> String {
    let list: Value = serde_json::from_str(&fixture("invoices_list.json")).unwrap();
    let template = list["data"][0].clone();
    let data: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut v = template.clone();
            v["id"] = json!(id);
            v["invoice_number"] = json!(format!("INV-{id:04}"));
            v
        })
        .collect();
    let base = "https://billing.example.com/api/v1/invoices";
    let from = (page - 1) * per_page + 1;
    json!({
        "data": data,
        "links": {
            "first": format!("{base}?page=1"),
            "last": format!("{base}?page={last_page}"),
            "prev": if page > 1 { json!(format!("{base}?page={}", page - 1)) } else { Value::Null },
            "next": if page < last_page { json!(format!("{base}?page={}", page + 1)) } else { Value::Null },
        },
        "meta": {
            "current_page": page, "from": if ids.is_empty() { Value::Null } else { json!(from) },
            "last_page": last_page, "links": [], "path": base, "per_page": per_page,
            "to": if ids.is_empty() { Value::Null } else { json!(from + ids.len() as u64 - 1) },
            "total": total
        }
    })
    .to_string()
}

#[tokio::test]
async fn a_walk_keeps_filters_and_per_page_on_every_page() {
    let server = MockServer::start().await;
    for (page, ids) in [(1u64, vec![10u64, 9]), (2, vec![8, 7]), (3, vec![6])] {
        api("GET", "/invoices")
            .and(query_param("page", page.to_string().as_str()))
            .and(query_param("per_page", "2"))
            .and(query_param("status", "unpaid"))
            .and(query_param("user_id", "12"))
            .respond_with(ok_json(&invoice_page(page, 3, 2, 5, &ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let list = client(&server)
        .invoices()
        .list(
            &InvoiceFilter::new()
                .status(InvoiceStatus::Unpaid)
                .user_id(12),
        )
        .per_page(2);
    let mut pages = list.pages();
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert_eq!(page.total, Some(5));
        assert_eq!(page.last_page, Some(3));
        seen.extend(page.items.iter().map(|i| i.id.get()));
    }
    assert_eq!(seen, vec![10, 9, 8, 7, 6]);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3, "no request after the last page");
    assert_eq!(
        reqs[2].url.query(),
        Some("status=unpaid&user_id=12&page=3&per_page=2"),
        "page 3 keeps the filters and per_page"
    );
}

#[tokio::test]
async fn stream_collects_every_item_lazily() {
    let server = MockServer::start().await;
    for (page, ids) in [(1u64, vec![3u64, 2]), (2, vec![1])] {
        api("GET", "/invoices")
            .and(query_param("page", page.to_string().as_str()))
            .respond_with(ok_json(&invoice_page(page, 2, 2, 3, &ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let all: Vec<Invoice> = c
        .invoices()
        .list(&InvoiceFilter::new())
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|i| i.id.get()).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    assert_eq!(all[0].total, dec("8.50"));
}

#[tokio::test]
async fn an_empty_list_ends_at_once() {
    let server = MockServer::start().await;
    api("GET", "/invoices")
        .respond_with(ok_json(&invoice_page(1, 1, 15, 0, &[])))
        .expect(1)
        .mount(&server)
        .await;
    let all = client(&server)
        .invoices()
        .list(&InvoiceFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert!(all.is_empty());
    assert_query(&server, "page=1").await;
}
