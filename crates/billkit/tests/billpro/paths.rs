//! Every BillPro endpoint that takes a system id refuses 0 before anything
//! is sent.

use billkit::Error;

use crate::common::{expect_no_request, setup};

fn assert_refused_id<T: std::fmt::Debug>(what: &str, got: Result<T, Error>) {
    match got {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "id", "{what}"),
        other => panic!("{what}: {other:?}"),
    }
}

#[tokio::test]
async fn id_zero_is_refused_by_every_endpoint_and_nothing_is_sent() {
    let (server, c) = setup().await;
    macro_rules! refused {
        ($($call:expr_2021),* $(,)?) => {$(
            assert_refused_id(stringify!($call), $call.await);
        )*};
    }
    refused!(
        c.customers().get(0),
        c.products().get(0),
        c.orders().get(0),
        c.orders().cancel(0),
        c.orders().pause(0),
        c.orders().resume(0),
        c.orders().renew_checkout(0),
        c.scheduled_payments().get(0),
    );
    expect_no_request(&server).await;
}
