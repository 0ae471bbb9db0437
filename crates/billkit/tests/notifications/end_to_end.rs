//! The sandbox's gateway posting to a real listener: 200 checkouts with
//! copies, random order, delays and failing answers; every transaction is
//! processed exactly once and agrees with `GET /orders/{id}`.

use std::collections::BTreeSet;

use billkit::billpro::notifications::OrderVerdict;
use billkit::billpro::{
    NewSingleOrder, NewSubscriptionOrder, OrderLine, OrderStatus, PurchaseType, Schedule,
};

use crate::support::{Faults, customer, product, setup, system_id_locator};

const CHECKOUTS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_checkouts_each_processed_once_and_agreeing_with_the_order() {
    let faults = Faults {
        refuse_one_in: 5,
        lose_one_in: 7,
        seed: 20,
    };
    let (sandbox, client, listener) = setup(system_id_locator(), faults).await;
    sandbox
        .notifications()
        .duplicate(2)
        .reorder(true)
        .delay_up_to(6)
        .seed(20);
    let single = product(&client, PurchaseType::SinglePayment).await;
    let customer = customer(&client).await;

    let mut declined = BTreeSet::new();
    for i in 0..CHECKOUTS {
        let order = client
            .orders()
            .create_single_order(
                &NewSingleOrder::new(customer.id, "GBP", format!("INV-{i}"))
                    .product(OrderLine::new(single.id).qty(1 + (i % 3) as u32)),
            )
            .await
            .unwrap();
        // A third are declined; the rest paid.
        if i % 3 == 0 {
            assert!(sandbox.decline_checkout(order.id.get()));
            declined.insert(order.id.get());
        } else {
            assert!(sandbox.complete_checkout(order.id.get()));
        }
        // Deliveries run while new results keep arriving.
        if i % 10 == 9 {
            sandbox.notifications().deliver_round().await;
        }
    }
    let report = sandbox.notifications().deliver_all(500).await;
    assert_eq!(report.pending, 0, "{report:?}");

    let transactions = sandbox.notifications().transactions();
    assert_eq!(transactions.len(), CHECKOUTS);
    let seen = std::mem::take(&mut *listener.seen.lock().unwrap());
    // Exactly once each: every transaction, nothing else, one run each.
    let ids: BTreeSet<&String> = transactions.iter().map(|t| &t.id).collect();
    let processed: BTreeSet<&String> = seen.processed.keys().collect();
    assert_eq!(ids, processed);
    assert!(
        seen.processed.values().all(|p| p.0 == 1),
        "{:?}",
        seen.processed
    );
    assert_eq!(seen.order.len(), CHECKOUTS);

    // The attack happened: copies answered as duplicates, 5xx answers,
    // lost 2xx, and processing out of result order.
    assert!(seen.duplicates >= CHECKOUTS as u32 * 2, "{seen:?}");
    assert!(seen.refused > 10 && seen.lost > 10, "{:?}", seen.statuses);
    assert!(report.failed > 0);
    let result_order: Vec<&String> = transactions.iter().map(|t| &t.id).collect();
    let processing_order: Vec<&String> = seen.order.iter().collect();
    assert_ne!(result_order, processing_order);
    // Every transaction eventually got a 2xx for some copy.
    assert!(transactions.iter().all(|t| t.delivered >= 1));

    // Each processed result agrees with the order as BillPro has it now.
    for t in &transactions {
        let (_, verdict, order_id, amount) = &seen.processed[&t.id];
        assert_eq!(*order_id, t.order_id);
        assert_eq!(*amount, format!("{:.2}", t.amount));
        let order = client.orders().get(t.order_id).await.unwrap();
        assert_eq!(OrderVerdict::of(&order.status), *verdict);
        if declined.contains(&t.order_id) {
            assert!(!t.approved);
            assert_eq!(order.status, OrderStatus::Rejected);
            assert_eq!(*verdict, OrderVerdict::Declined);
        } else {
            assert!(t.approved);
            assert_eq!(order.status, OrderStatus::Complete);
            assert_eq!(*verdict, OrderVerdict::Paid);
        }
    }
}

#[tokio::test]
async fn scheduled_payments_notify_when_collected_and_when_declined() {
    let (sandbox, client, listener) = setup(system_id_locator(), Faults::NONE).await;
    let subscription = product(&client, PurchaseType::Subscription).await;
    let customer = customer(&client).await;
    let order = client
        .orders()
        .create_subscription_order(&NewSubscriptionOrder::new(
            customer.id,
            "GBP",
            "SUB-1",
            OrderLine::new(subscription.id),
            Schedule::monthly(),
        ))
        .await
        .unwrap();
    assert!(sandbox.complete_checkout(order.id.get()));
    let payments = client
        .scheduled_payments()
        .list_for_order(order.id)
        .collect_all()
        .await
        .unwrap();
    assert!(sandbox.collect_payment(payments[0].id.get()));
    let report = sandbox.notifications().deliver_all(10).await;
    assert_eq!((report.delivered, report.failed, report.pending), (2, 0, 0));
    assert!(sandbox.decline_payment(payments[1].id.get(), true));
    let report = sandbox.notifications().deliver_all(10).await;
    assert_eq!((report.delivered, report.failed, report.pending), (1, 0, 0));

    let t = sandbox.notifications().transactions();
    let flags: Vec<(Option<u64>, bool)> = t
        .iter()
        .map(|t| (t.scheduled_payment_id, t.approved))
        .collect();
    assert_eq!(
        flags,
        [
            (None, true),
            (Some(payments[0].id.get()), true),
            (Some(payments[1].id.get()), false)
        ]
    );
    let seen = listener.seen.lock().unwrap();
    let verdicts: Vec<(u32, OrderVerdict, u64)> = t
        .iter()
        .map(|t| {
            let (n, verdict, id, _) = &seen.processed[&t.id];
            (*n, verdict.clone(), *id)
        })
        .collect();
    let id = order.id.get();
    assert_eq!(
        verdicts,
        [
            (1, OrderVerdict::Paid, id),
            (1, OrderVerdict::Paid, id),
            (1, OrderVerdict::Declined, id)
        ]
    );
    let amounts: Vec<&str> = t.iter().map(|t| seen.processed[&t.id].3.as_str()).collect();
    assert_eq!(amounts[1], format!("{:.2}", payments[0].amount));
}
