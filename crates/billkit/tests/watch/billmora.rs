//! Billmora: a feed of invoices while a script creates, pays, cancels,
//! re-dates and deletes them through the API itself.

use billkit::billmora::{Client, Invoice, InvoiceFilter, InvoiceStatus, InvoiceUpdate, NewInvoice};
use billkit::chrono::NaiveDate;
use billkit::watch::{Feed, FeedOptions};
use billkit::{Decimal, TryStreamExt};
use billkit_sandbox::Faults;
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};

use crate::common::{Model, Run, Saved, Script, SharedTime, Truth, run};

pub struct Invoices {
    pub sandbox: BillmoraSandbox,
    pub client: Client,
    pub time: SharedTime,
    truth: Truth<Invoice>,
    day: u32,
}

impl Invoices {
    /// How many records the script's log holds.
    pub fn count(&self) -> usize {
        self.truth.len()
    }

    pub async fn start() -> Self {
        let sandbox = BillmoraSandbox::start().await.unwrap();
        let time = SharedTime::new(sandbox.clock());
        let client = sandbox
            .client_builder()
            .manual_time(&time.manual)
            .sleeper(time.sleeper())
            .build()
            .unwrap();
        let truth = client
            .invoices()
            .list(&InvoiceFilter::new())
            .stream()
            .map_ok(|i| (i.id, Model::of(&i)))
            .try_collect()
            .await
            .unwrap();
        Invoices {
            sandbox,
            client,
            time,
            truth,
            day: 0,
        }
    }

    fn due(&mut self) -> NaiveDate {
        self.day += 1;
        // Days from 2031-01-01 on, one new date each time.
        NaiveDate::from_num_days_from_ce_opt(741_007 + i32::try_from(self.day).unwrap()).unwrap()
    }

    pub async fn create(&mut self, cents: i64) -> Invoice {
        let due = self.due();
        let invoice = self
            .client
            .invoices()
            .create(&NewInvoice::new(SEED_USER_ID, due).item("Hosting", 1, Decimal::new(cents, 2)))
            .await
            .unwrap();
        self.truth.insert(invoice.id, Model::of(&invoice));
        invoice
    }

    fn changed(&mut self, invoice: &Invoice) {
        let model = self.truth.get_mut(&invoice.id).unwrap();
        model.status = invoice.status.clone();
        model.version += 1;
    }
}

impl Script for Invoices {
    type T = Invoice;

    async fn step(&mut self, rng: &mut fastrand::Rng) {
        let mut touched = Vec::new();
        for _ in 0..rng.usize(1..=4) {
            let unpaid: Vec<_> = self
                .truth
                .iter()
                .filter(|(id, m)| m.status == InvoiceStatus::Unpaid && !touched.contains(*id))
                .map(|(id, _)| *id)
                .collect();
            let any: Vec<_> = self
                .truth
                .keys()
                .filter(|id| !touched.contains(*id))
                .copied()
                .collect();
            match rng.u8(0..5) {
                0 => {
                    let i = self.create(rng.i64(100..100_000)).await;
                    touched.push(i.id);
                }
                1 if !unpaid.is_empty() => {
                    let id = unpaid[rng.usize(..unpaid.len())];
                    let paid = self.client.invoices().mark_paid(id).await.unwrap();
                    self.changed(&paid);
                    touched.push(id);
                }
                2 if !unpaid.is_empty() => {
                    let id = unpaid[rng.usize(..unpaid.len())];
                    let cancelled = self
                        .client
                        .invoices()
                        .update(id, &InvoiceUpdate::new().status(InvoiceStatus::Cancelled))
                        .await
                        .unwrap();
                    self.changed(&cancelled);
                    touched.push(id);
                }
                3 if !unpaid.is_empty() => {
                    // Only the due date: an `Updated`.
                    let id = unpaid[rng.usize(..unpaid.len())];
                    let due = self.due();
                    let moved = self
                        .client
                        .invoices()
                        .update(id, &InvoiceUpdate::new().due_date(due))
                        .await
                        .unwrap();
                    self.changed(&moved);
                    touched.push(id);
                }
                4 if !any.is_empty() => {
                    let id = any[rng.usize(..any.len())];
                    self.client.invoices().delete(id).await.unwrap();
                    self.truth.remove(&id);
                    touched.push(id);
                }
                _ => {}
            }
        }
    }

    fn truth(&self) -> &Truth<Invoice> {
        &self.truth
    }

    fn faults(&self) -> &Faults {
        self.sandbox.faults()
    }

    fn list_route(&self) -> (&'static str, &'static str) {
        ("GET", "/invoices")
    }

    fn feed(&self) -> Feed<Invoice> {
        self.client
            .invoices()
            .watch(&InvoiceFilter::new(), FeedOptions::default())
    }

    fn throttled(&self) -> usize {
        crate::common::throttled(self.sandbox.journal())
    }
}

async fn scripted(seed: u64, saved: Saved) -> Run {
    let mut script = Invoices::start().await;
    for _ in 0..20 {
        script.create(5_000).await;
    }
    let run = run(&mut script, seed, 40, saved).await;
    eprintln!("billmora invoices, seed {seed}, {saved:?}: {run:?}");
    assert!(run.walks_ok >= 15 && run.walks_failed >= 1, "{run:?}");
    assert!(run.kills >= 1 && run.events >= 30, "{run:?}");
    run
}

#[tokio::test]
async fn invoice_feed_reports_every_change_exactly_once_across_kills() {
    for seed in [1, 2, 3] {
        scripted(seed, Saved::AfterEachEvent).await;
    }
}

#[tokio::test]
async fn invoice_feed_repeats_but_never_misses_from_a_late_checkpoint() {
    let mut repeated = 0;
    for seed in [4, 5, 6] {
        repeated += scripted(seed, Saved::BeforeEachWalk).await.repeated;
    }
    assert!(
        repeated >= 1,
        "a late checkpoint repeated nothing: the test did not kill mid-walk"
    );
}

/// Every walk's requests go to the list and nowhere else, one interval
/// apart: the feed never polls faster than asked.
#[tokio::test]
async fn invoice_feed_walks_once_per_interval() {
    let mut script = Invoices::start().await;
    for _ in 0..40 {
        script.create(1_000).await;
    }
    let mut feed: Feed<Invoice> = script.feed();
    let before = script.sandbox.journal().last_seq();
    let sleeps_before = script.time.manual.sleeps().len();
    for _ in 0..5 {
        feed.poll_once().await.unwrap();
    }
    let walked = script.sandbox.journal().since(before);
    assert!(
        walked
            .iter()
            .all(|e| e.method == "GET" && e.path.ends_with("/invoices"))
    );
    // 15 a page, the last page known from the envelope.
    assert_eq!(walked.len(), 5 * script.truth.len().div_ceil(15));
    let sleeps = script.time.manual.sleeps()[sleeps_before..].to_vec();
    assert_eq!(sleeps, vec![std::time::Duration::from_secs(60); 4]);
}
