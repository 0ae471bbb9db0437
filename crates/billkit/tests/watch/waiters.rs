//! Waiters on manual time: each pause is a sleep of the client's sleeper,
//! which here also moves the sandbox's clock and, at a chosen pause, acts
//! on the sandbox (pays, cancels, collects, retries a charge), so every
//! look and every pause is counted.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use billkit::billmora::{InvoiceStatus, InvoiceUpdate, NewInvoice};
use billkit::billpro::{OrderStatus, ScheduledPaymentStatus};
use billkit::billy::{InvoiceStatus as BillyStatus, SubmitStatus};
use billkit::http::{Clock, SleepFuture, Sleeper};
use billkit::watch::{WaitError, WaitOptions};
use billkit::{Cents, Decimal};
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use billkit_sandbox::{Journal, SandboxClock};
use tokio::sync::Notify;

use crate::common::{Script, SharedTime, client};

type Act = Arc<dyn Fn(usize) -> SleepFuture + Send + Sync>;

/// A sleeper that, at its `n`th sleep (from 1), first runs `act(n)`, then
/// moves both clocks.
#[derive(Clone)]
struct Acting {
    time: SharedTime,
    count: Arc<AtomicUsize>,
    act: Act,
}

impl fmt::Debug for Acting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acting")
            .field("count", &self.count)
            .finish()
    }
}

impl Sleeper for Acting {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let act = (self.act)(n);
        let time = self.time.clone();
        Box::pin(async move {
            act.await;
            time.sleep(duration).await;
        })
    }
}

fn acting(
    clock: SandboxClock,
    act: impl Fn(usize) -> SleepFuture + Send + Sync + 'static,
) -> (SharedTime, Arc<dyn Sleeper>) {
    let time = SharedTime::new(clock);
    let sleeper = Acting {
        time: time.clone(),
        count: Arc::new(AtomicUsize::new(0)),
        act: Arc::new(act),
    };
    (time, Arc::new(sleeper))
}

fn nothing() -> SleepFuture {
    Box::pin(std::future::ready(()))
}

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|s| Duration::from_secs(*s)).collect()
}

/// How many times `path` was read.
fn gets(journal: &Journal, path: &str) -> usize {
    journal
        .entries()
        .iter()
        .filter(|e| e.method == "GET" && e.path.ends_with(path))
        .count()
}

/// Two seconds doubling up to a minute, ten minutes in all.
fn options() -> WaitOptions {
    WaitOptions::new(Duration::from_secs(600))
}

async fn billmora_invoice(sandbox: &BillmoraSandbox) -> billkit::billmora::Invoice {
    let due = billkit::chrono::NaiveDate::from_ymd_opt(2031, 1, 1).unwrap();
    sandbox
        .client()
        .unwrap()
        .invoices()
        .create(&NewInvoice::new(SEED_USER_ID, due).item("Hosting", 1, Decimal::new(1999, 2)))
        .await
        .unwrap()
}

#[tokio::test]
async fn billmora_invoice_waiter_returns_the_paid_invoice() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let invoice = billmora_invoice(&sandbox).await;
    let payer = sandbox.client().unwrap();
    let id = invoice.id;
    // Paid during the second pause.
    let (time, sleeper) = acting(sandbox.clock(), move |n| {
        let payer = payer.clone();
        if n == 2 {
            Box::pin(async move {
                payer.invoices().mark_paid(id).await.unwrap();
            })
        } else {
            nothing()
        }
    });
    let client = client!(sandbox, time, sleeper);
    let paid = client
        .invoices()
        .wait_until_paid(id, &options())
        .await
        .unwrap();
    assert_eq!(paid.id, id);
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(time.manual.sleeps(), secs(&[2, 4]));
    assert_eq!(gets(sandbox.journal(), &format!("/invoices/{id}")), 3);
}

#[tokio::test]
async fn billmora_invoice_waiter_gives_up_at_the_deadline_with_the_last_state() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let invoice = billmora_invoice(&sandbox).await;
    let (time, sleeper) = acting(sandbox.clock(), |_| nothing());
    let client = client!(sandbox, time, sleeper);
    let minute = WaitOptions {
        timeout: Duration::from_secs(60),
        initial_interval: Duration::from_secs(2),
        max_interval: Duration::from_secs(20),
    };
    let err = client
        .invoices()
        .wait_until_paid(invoice.id, &minute)
        .await
        .unwrap_err();
    // Looks at 0, 2, 6, 14, 30, 50 and, the last pause cut to the
    // deadline, 60 s.
    assert_eq!(time.manual.sleeps(), secs(&[2, 4, 8, 16, 20, 10]));
    let WaitError::GaveUp {
        last,
        polls,
        waited,
        last_error,
        ..
    } = err
    else {
        panic!("not GaveUp: {err:?}");
    };
    assert_eq!(polls, 7);
    assert_eq!(waited, Duration::from_secs(60));
    assert!(last_error.is_none());
    let last = last.expect("the last state read");
    assert_eq!((last.id, last.status), (invoice.id, InvoiceStatus::Unpaid));
    assert_eq!(
        gets(sandbox.journal(), &format!("/invoices/{}", invoice.id)),
        7
    );
}

#[tokio::test]
async fn billmora_invoice_waiter_stops_at_once_on_a_cancelled_invoice() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let invoice = billmora_invoice(&sandbox).await;
    let admin = sandbox.client().unwrap();
    let id = invoice.id;
    let (time, sleeper) = acting(sandbox.clock(), move |n| {
        let admin = admin.clone();
        if n == 1 {
            Box::pin(async move {
                let cancel = InvoiceUpdate::new().status(InvoiceStatus::Cancelled);
                admin.invoices().update(id, &cancel).await.unwrap();
            })
        } else {
            nothing()
        }
    });
    let client = client!(sandbox, time, sleeper);
    let err = client
        .invoices()
        .wait_until_paid(id, &options())
        .await
        .unwrap_err();
    let WaitError::Unreachable { last, polls, .. } = err else {
        panic!("not Unreachable: {err:?}");
    };
    assert_eq!(polls, 2);
    assert_eq!(last.status, InvoiceStatus::Cancelled);
    // One pause, not ten minutes of them.
    assert_eq!(time.manual.sleeps(), secs(&[2]));
}

#[tokio::test]
async fn billmora_overdue_waiter_sees_the_due_date_pass_on_the_clients_clock() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    // Due in two days of the sandbox's time.
    let in_two_days = std::time::SystemTime::now() + Duration::from_secs(2 * 24 * 3600);
    let due = billkit::chrono::DateTime::<billkit::chrono::Utc>::from(in_two_days).date_naive();
    let invoice = sandbox
        .client()
        .unwrap()
        .invoices()
        .create(&NewInvoice::new(SEED_USER_ID, due).item("Hosting", 1, Decimal::new(500, 2)))
        .await
        .unwrap();
    let (time, sleeper) = acting(sandbox.clock(), |_| nothing());
    let client = client!(sandbox, time, sleeper);
    let hourly = WaitOptions::new(Duration::from_secs(7 * 24 * 3600))
        .initial_interval(Duration::from_secs(3600))
        .max_interval(Duration::from_secs(3600));
    let late = client
        .invoices()
        .wait_until_overdue(invoice.id, &hourly)
        .await
        .unwrap();
    assert_eq!(late.status, InvoiceStatus::Unpaid);
    // Reached at the first hourly look after the due date, no earlier.
    let at = |t: std::time::SystemTime| billkit::chrono::DateTime::<billkit::chrono::Utc>::from(t);
    let now = time.manual.system_now();
    assert!(late.due_date < at(now));
    assert!(late.due_date >= at(now - Duration::from_secs(3600)));
    assert!(time.manual.elapsed() >= Duration::from_secs(3600));
    assert!(
        time.manual
            .sleeps()
            .iter()
            .all(|s| *s == Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn a_dropped_waiter_sends_nothing_more() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let invoice = billmora_invoice(&sandbox).await;
    let paused = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let (p, r) = (paused.clone(), release.clone());
    // The third pause waits to be released.
    let (time, sleeper) = acting(sandbox.clock(), move |n| {
        let (p, r) = (p.clone(), r.clone());
        if n == 3 {
            Box::pin(async move {
                let released = r.notified();
                p.notify_one();
                released.await;
            })
        } else {
            nothing()
        }
    });
    let client = client!(sandbox, time, sleeper);
    let path = format!("/invoices/{}", invoice.id);
    let invoices = client.invoices();
    let options = options();
    let mut waiter = Box::pin(invoices.wait_until_paid(invoice.id, &options));
    tokio::select! {
        done = &mut waiter => panic!("the waiter ended: {done:?}"),
        () = paused.notified() => {}
    }
    assert_eq!(gets(sandbox.journal(), &path), 3);
    drop(waiter);
    // Were it still alive, the released pause would lead to a fourth look.
    release.notify_waiters();
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    let again = client.invoices().get(invoice.id).await.unwrap();
    assert_eq!(again.status, InvoiceStatus::Unpaid);
    assert_eq!(
        gets(sandbox.journal(), &path),
        4,
        "only the check's own read"
    );
    assert_eq!(time.manual.sleeps(), secs(&[2, 4]));
}

#[tokio::test]
async fn billpro_waiters_follow_a_payment_and_an_order() {
    let mut script = crate::billpro::Payments::start().await;
    let first = script.place(2).await[0];
    let order_id = script
        .client
        .scheduled_payments()
        .get(first)
        .await
        .unwrap()
        .order_id;
    let sandbox = script.sandbox.clone();

    // Collected during the first pause.
    let s = sandbox.clone();
    let (time, sleeper) = acting(sandbox.clock(), move |n| {
        if n == 1 {
            assert!(s.collect_payment(first.get()));
        }
        nothing()
    });
    let client = client!(sandbox, time, sleeper);
    let paid = client
        .scheduled_payments()
        .wait_until_paid(first, &options())
        .await
        .unwrap();
    assert_eq!(paid.status, ScheduledPaymentStatus::Complete);
    assert_eq!(time.manual.sleeps(), secs(&[2]));

    // The order's checkout completed during the second pause.
    let s = sandbox.clone();
    let (time, sleeper) = acting(sandbox.clock(), move |n| {
        if n == 2 {
            assert!(s.complete_checkout(order_id));
        }
        nothing()
    });
    let client = client!(sandbox, time, sleeper);
    let active = client
        .orders()
        .wait_until_active(order_id, &options())
        .await
        .unwrap();
    assert_eq!(active.status, OrderStatus::Active);
    assert_eq!(time.manual.sleeps(), secs(&[2, 4]));

    // The second payment declined for good: waiting for its failure ends
    // there; waiting for it to be paid goes on (a hard decline can still
    // be collected) until the deadline.
    let second = script.place(1).await[0];
    let s = sandbox.clone();
    let (time, sleeper) = acting(sandbox.clock(), move |n| {
        if n == 1 {
            assert!(s.decline_payment(second, true));
        }
        nothing()
    });
    let client = client!(sandbox, time, sleeper);
    let declined = client
        .scheduled_payments()
        .wait_until_failed(second, &options())
        .await
        .unwrap();
    assert_eq!(declined.status, ScheduledPaymentStatus::HardDeclined);
    let short = WaitOptions::new(Duration::from_secs(10));
    let err = client
        .scheduled_payments()
        .wait_until_paid(second, &short)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WaitError::GaveUp { polls: 4, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.last().unwrap().status,
        ScheduledPaymentStatus::HardDeclined
    );
}

#[tokio::test]
async fn billy_waiters_follow_a_declined_charge_to_its_end() {
    let mut script = crate::billy::Invoices::start().await;
    let invoice = script.file(2_500, Some(crate::billy::DECLINED)).await;
    assert_eq!(invoice.status, BillyStatus::Processing);
    let sandbox = script.sandbox.clone();
    // Each pause, Billy's processing runs once and retries the charge.
    let retrying = |sandbox: &std::sync::Arc<billkit_sandbox::billy::BillySandbox>| {
        let s = sandbox.clone();
        acting(sandbox.clock(), move |_| {
            s.run_due();
            nothing()
        })
    };
    let hour = WaitOptions::new(Duration::from_secs(3600));

    let (time, sleeper) = retrying(&sandbox);
    let client = client!(sandbox, time, sleeper);
    let failed = client
        .invoices()
        .wait_until_failed(&invoice.guid, &hour)
        .await
        .unwrap();
    assert_eq!(failed.status, BillyStatus::Failed);
    // Ten retries after the first charge: Billy's limit.
    assert_eq!(
        time.manual.sleeps(),
        secs(&[2, 4, 8, 16, 32, 60, 60, 60, 60, 60])
    );

    // A charge waited on to succeed ends when Billy gives it up.
    let other = script.file(4_000, Some(crate::billy::DECLINED)).await;
    let tx = client
        .transactions()
        .list_for_invoice(&other.guid)
        .collect_all()
        .await
        .unwrap()
        .remove(0);
    let (time, sleeper) = retrying(&sandbox);
    let client = client!(sandbox, time, sleeper);
    let err = client
        .transactions()
        .wait_until_succeeded(&tx.guid, &hour)
        .await
        .unwrap_err();
    let WaitError::Unreachable { last, polls } = err else {
        panic!("not Unreachable: {err:?}");
    };
    assert_eq!(polls, 11);
    assert_eq!(last.submit_status, SubmitStatus::Failed);
    assert_eq!(last.amount, Cents::new(4_000));
}
