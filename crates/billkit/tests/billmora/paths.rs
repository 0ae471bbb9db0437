//! Every Billmora endpoint that takes an id refuses 0 (Billmora numbers its
//! records from 1) before anything is sent, and sends a valid id as exactly
//! one path segment.

use billkit::Error;
use wiremock::MockServer;

use crate::common::{api, client, ok};

fn assert_refused_id<T: std::fmt::Debug>(what: &str, got: Result<T, Error>) {
    match got {
        Err(Error::InvalidInput { field, message, .. }) => {
            assert_eq!(field, "id", "{what}");
            assert!(message.contains("positive"), "{what}: {message}");
        }
        other => panic!("{what}: {other:?}"),
    }
}

#[tokio::test]
async fn id_zero_is_refused_by_every_endpoint_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let c = client(&server);
    macro_rules! refused {
        ($($call:expr_2021),* $(,)?) => {$(
            assert_refused_id(stringify!($call), $call.await);
        )*};
    }
    refused!(
        c.users().get(0),
        c.users().delete(0),
        c.services().get(0),
        c.services().delete(0),
        c.invoices().get(0),
        c.invoices().mark_paid(0),
        c.invoices().mark_unpaid(0),
        c.invoices().delete(0),
        c.orders().get(0),
        c.orders().delete(0),
        c.tickets().get(0),
        c.tickets().delete(0),
        c.packages().get(0),
        c.packages().delete(0),
        c.catalogs().get(0),
        c.catalogs().delete(0),
        c.variants().get(0),
        c.variants().delete(0),
        c.registrants().get(0),
        c.registrants().delete(0),
        c.tlds().get(0),
        c.tlds().delete(0),
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_valid_id_is_one_segment() {
    let server = MockServer::start().await;
    api("GET", "/invoices/18446744073709551615")
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).invoices().get(u64::MAX).await.unwrap();
}
