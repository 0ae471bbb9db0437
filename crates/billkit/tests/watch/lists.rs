//! Every other list a feed watches, one walk each: the events of a known
//! set of changes, exactly.

use billkit::billmora::{
    BillmoraErrorExt, KnownServerBug, NewOrder, OrderFilter, OrderStatus as MoraOrderStatus,
    OrderUpdate, PackageItem, ServiceFilter,
};
use billkit::billpro::OrderStatus;
use billkit::billy::{Frequency, NewPlan, NewSubscription, PlanType, SubmitStatus};
use billkit::watch::{FeedOptions, SubscriptionState, TransactionState, Watched};
use billkit::{Cents, StreamExt};
use billkit_sandbox::billmora::{SEED_MONTHLY_PRICE_ID, SEED_PACKAGE_ID, SEED_USER_ID};

use crate::common::{Ev, Script};

/// The next `n` events of `feed`, after one walk that queued exactly `n`.
async fn one_walk<T: Watched>(feed: &mut billkit::watch::Feed<T>, n: usize) -> Vec<Ev<T>> {
    assert_eq!(feed.poll_once().await.unwrap(), n);
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(Ev::of(&feed.next().await.unwrap().unwrap()));
    }
    out
}

#[tokio::test]
async fn billpro_order_feed() {
    let mut script = crate::billpro::Payments::start().await;
    let first = script.place(2).await[0];
    let client = script.client.clone();
    let order = client
        .scheduled_payments()
        .get(first)
        .await
        .unwrap()
        .order_id;
    let mut feed = client.orders().watch(FeedOptions::default());
    assert_eq!(feed.poll_once().await.unwrap(), 0);
    assert!(script.sandbox.complete_checkout(order));
    let second = script.place(1).await[0];
    let second = client
        .scheduled_payments()
        .get(second)
        .await
        .unwrap()
        .order_id;
    assert_eq!(
        one_walk(&mut feed, 2).await,
        [
            Ev::Status(order, OrderStatus::Pending, OrderStatus::Active),
            Ev::Created(second)
        ]
    );
}

fn new_order() -> NewOrder {
    NewOrder::new(SEED_USER_ID, "USD", MoraOrderStatus::Pending)
        .package_item(PackageItem::new(SEED_PACKAGE_ID, SEED_MONTHLY_PRICE_ID))
}

#[tokio::test]
async fn billmora_order_feed() {
    let script = crate::billmora::Invoices::start().await;
    let client = &script.client;
    let mut orders = client
        .orders()
        .watch(&OrderFilter::new(), FeedOptions::default());
    assert_eq!(orders.poll_once().await.unwrap(), 0);
    let placed = client.orders().create(&new_order()).await.unwrap();
    assert_eq!(one_walk(&mut orders, 1).await, [Ev::Created(placed.id)]);
    client
        .orders()
        .update(placed.id, &OrderUpdate::new(MoraOrderStatus::Completed))
        .await
        .unwrap();
    client.orders().delete(placed.id).await.unwrap();
    let other = client.orders().create(&new_order()).await.unwrap();
    // Gone from one walk: only marked; from the next: deleted.
    assert_eq!(one_walk(&mut orders, 1).await, [Ev::Created(other.id)]);
    assert_eq!(one_walk(&mut orders, 1).await, [Ev::Deleted(placed.id)]);
}

/// Billmora's service list answers 500 whenever there is a service (a
/// server bug billkit names): every walk fails, and a feed that cannot
/// read reports nothing, deletions least of all.
#[tokio::test]
async fn billmora_service_feed_reports_nothing_while_the_server_fails() {
    let script = crate::billmora::Invoices::start().await;
    let client = &script.client;
    let mut services = client
        .services()
        .watch(&ServiceFilter::new(), FeedOptions::default());
    for _ in 0..3 {
        let err = services.poll_once().await.unwrap_err();
        assert_eq!(
            err.known_server_bug(),
            Some(KnownServerBug::ServiceScalingsRelation)
        );
        assert_eq!(services.pending(), 0);
    }
    assert_eq!((services.walks(), services.failed_walks()), (3, 3));
    assert_eq!(services.watched(), 0);
    let checkpoint = services.checkpoint();
    assert!(!checkpoint.primed && checkpoint.records.is_empty());
}

#[tokio::test]
async fn billy_subscription_and_transaction_feeds() {
    let mut script = crate::billy::Invoices::start().await;
    let client = script.client.clone();
    let plan = client
        .plans()
        .create(&NewPlan::new(
            PlanType::Debit,
            Frequency::Monthly,
            Cents::new(500),
        ))
        .await
        .unwrap();
    let subscribe = NewSubscription::new(&plan.guid, &script.customer)
        .funding_instrument_uri(crate::billy::CARD);
    let first = client.subscriptions().create(&subscribe).await.unwrap();
    let declined = script.file(700, Some(crate::billy::DECLINED)).await;
    let mut subscriptions = client.subscriptions().watch(FeedOptions::default());
    let mut transactions = client.transactions().watch(FeedOptions::default());
    assert_eq!(subscriptions.poll_once().await.unwrap(), 0);
    assert_eq!(transactions.poll_once().await.unwrap(), 0);

    client.subscriptions().cancel(&first.guid).await.unwrap();
    let second = client.subscriptions().create(&subscribe).await.unwrap();
    let mut want = vec![
        Ev::Status(
            first.guid.clone(),
            SubscriptionState::Active,
            SubscriptionState::Canceled,
        ),
        Ev::Created(second.guid.clone()),
    ];
    crate::common::by_id(&mut want);
    assert_eq!(one_walk(&mut subscriptions, 2).await, want);

    // The declined charge: retried (the failures grow: `Updated`), then
    // given up after Billy's ten retries.
    let tx = client
        .transactions()
        .list_for_invoice(&declined.guid)
        .collect_all()
        .await
        .unwrap()
        .remove(0);
    // The second subscription's first charge is new since the baseline.
    let charged = client
        .transactions()
        .list_for_subscription(&second.guid)
        .collect_all()
        .await
        .unwrap()
        .remove(0);
    script.sandbox.run_due();
    let mut want = vec![
        Ev::Updated(tx.guid.clone()),
        Ev::Created(charged.guid.clone()),
    ];
    crate::common::by_id(&mut want);
    assert_eq!(one_walk(&mut transactions, 2).await, want);
    for _ in 0..9 {
        script.sandbox.run_due();
    }
    let retrying = TransactionState {
        submit_status: SubmitStatus::Retrying,
        status: tx.status.clone(),
    };
    let failed = TransactionState {
        submit_status: SubmitStatus::Failed,
        status: tx.status.clone(),
    };
    assert_eq!(tx.submit_status, SubmitStatus::Retrying);
    assert_eq!(
        one_walk(&mut transactions, 1).await,
        [Ev::Status(tx.guid.clone(), retrying, failed)]
    );
    // Nothing moves: nothing is reported.
    assert_eq!(transactions.poll_once().await.unwrap(), 0);
}

/// A feed resumed from a checkpoint keeps the interval since the walk the
/// checkpoint saw, by the wall clock: a restart loop cannot poll faster.
#[tokio::test]
async fn a_resumed_feed_waits_out_the_interval() {
    let script = crate::billmora::Invoices::start().await;
    let client = &script.client;
    let mut feed = client
        .invoices()
        .watch(&Default::default(), FeedOptions::default());
    assert_eq!(feed.poll_once().await.unwrap(), 0);
    let checkpoint = feed.checkpoint();
    drop(feed);
    script
        .time
        .manual
        .advance(std::time::Duration::from_secs(20));
    let mut resumed = client
        .invoices()
        .watch(&Default::default(), FeedOptions::default())
        .resume(&checkpoint)
        .unwrap();
    let sleeps = script.time.manual.sleeps().len();
    assert_eq!(resumed.poll_once().await.unwrap(), 0);
    assert_eq!(
        script.time.manual.sleeps()[sleeps..],
        [std::time::Duration::from_secs(40)]
    );
    // A checkpoint of another list, or of another version, is refused.
    let mut other = checkpoint.clone();
    other.version = 2;
    let err = client
        .invoices()
        .watch(&Default::default(), FeedOptions::default())
        .resume(&other)
        .unwrap_err();
    assert!(err.to_string().contains("version 2"), "{err}");
    let json = serde_json::to_string(&checkpoint)
        .unwrap()
        .replace("billmora.invoices", "billmora.orders");
    let foreign: billkit::watch::FeedCheckpoint<billkit::billmora::Invoice> =
        serde_json::from_str(&json).unwrap();
    let err = client
        .invoices()
        .watch(&Default::default(), FeedOptions::default())
        .resume(&foreign)
        .unwrap_err();
    assert!(
        err.is_invalid_input() && err.to_string().contains("billmora.orders"),
        "{err}"
    );
}

/// Deletes a Billmora invoice between the first and second page of one
/// walk: the hook restores a state without it right after page 1 answers.
struct DeleteAfterFirstPage {
    sandbox: std::sync::Arc<billkit_sandbox::billmora::BillmoraSandbox>,
    without: std::sync::Mutex<Option<serde_json::Value>>,
}

impl billkit::http::Hook for DeleteAfterFirstPage {
    fn after_response(&self, event: &billkit::http::ResponseEvent<'_>) {
        if event.call.route != "/invoices" || event.status != Some(billkit::http::StatusCode::OK) {
            return;
        }
        if let Some(state) = self.without.lock().unwrap().take() {
            self.sandbox.restore(&state).unwrap();
        }
    }
}

/// Offset paging shifts under a deletion made mid-walk: the newest-first
/// list loses a row on page 1, so page 2 starts one row later and the walk
/// never reads the row that moved up. That row is live and must not be
/// reported deleted; the deleted one is, once, two walks later.
#[tokio::test]
async fn a_deletion_mid_walk_reports_no_live_record_deleted() {
    use billkit::billmora::{InvoiceFilter, NewInvoice};
    use billkit_sandbox::billmora::BillmoraSandbox;
    use std::sync::{Arc, Mutex};

    let sandbox = Arc::new(BillmoraSandbox::start().await.unwrap());
    let plain = sandbox.client().unwrap();
    let due = billkit::chrono::NaiveDate::from_ymd_opt(2030, 1, 31).unwrap();
    let mut made = Vec::new();
    for i in 0..20 {
        // A second apart, so the list's newest-first order is known.
        sandbox.clock().advance(std::time::Duration::from_secs(1));
        let new = NewInvoice::new(SEED_USER_ID, due).item(
            format!("line {i}"),
            1,
            "1.00".parse().unwrap(),
        );
        made.push(plain.invoices().create(&new).await.unwrap().id);
    }
    let hook = Arc::new(DeleteAfterFirstPage {
        sandbox: sandbox.clone(),
        without: Mutex::new(None),
    });
    let client = sandbox.client_builder().hook(hook.clone()).build().unwrap();
    let mut feed = client.invoices().watch(
        &InvoiceFilter::new(),
        FeedOptions::default().interval(std::time::Duration::from_millis(100)),
    );
    assert_eq!(feed.poll_once().await.unwrap(), 0, "the baseline");

    // The newest invoice is first on page 1; the state without it is
    // planted by the hook once page 1 of the next walk has answered.
    let newest = *made.last().unwrap();
    let with = sandbox.snapshot();
    plain.invoices().delete(newest).await.unwrap();
    *hook.without.lock().unwrap() = Some(sandbox.snapshot());
    sandbox.restore(&with).unwrap();

    let before = sandbox.journal().last_seq();
    assert_eq!(
        feed.poll_once().await.unwrap(),
        0,
        "a row skipped by the shift is not deleted"
    );
    assert!(
        hook.without.lock().unwrap().is_none(),
        "the deletion came mid-walk"
    );
    let pages: Vec<Vec<(String, String)>> = sandbox
        .journal()
        .since(before)
        .into_iter()
        .map(|e| e.query)
        .collect();
    assert_eq!(pages.len(), 2, "the walk read two pages: {pages:?}");
    assert_eq!(
        feed.poll_once().await.unwrap(),
        0,
        "missing once: not yet reported"
    );
    assert_eq!(
        one_walk(&mut feed, 1).await,
        [Ev::Deleted(newest)],
        "missing from two walks in a row: reported once"
    );
    assert_eq!(feed.poll_once().await.unwrap(), 0);
}
