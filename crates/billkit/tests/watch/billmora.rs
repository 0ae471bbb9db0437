//! Billmora: a feed of invoices while a script creates, pays, cancels,
//! re-dates and deletes them through the API itself.

use billkit::billmora::{Client, Invoice, InvoiceFilter, InvoiceStatus, InvoiceUpdate, NewInvoice};
use billkit::chrono::NaiveDate;
use billkit::watch::{Feed, FeedOptions};
use billkit::{Decimal, TryStreamExt};
use billkit_sandbox::FakeServer;
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};

use crate::common::{Model, Script, SharedTime, Truth, client};

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
    async fn start() -> Self {
        let sandbox = BillmoraSandbox::start().await.unwrap();
        let time = SharedTime::new(sandbox.clock());
        let client = client!(sandbox, time, time.sleeper());
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

    async fn prepare(&mut self) {
        for _ in 0..20 {
            self.create(5_000).await;
        }
    }

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

    fn server(&self) -> &FakeServer {
        self.sandbox.server()
    }

    fn list_route(&self) -> (&'static str, &'static str) {
        ("GET", "/invoices")
    }

    fn feed(&self) -> Feed<Invoice> {
        self.client
            .invoices()
            .watch(&InvoiceFilter::new(), FeedOptions::default())
    }
}

#[tokio::test]
async fn invoice_feed_reports_every_change_exactly_once_across_kills() {
    crate::common::exactly_once::<Invoices>([1, 2, 3]).await;
}

#[tokio::test]
async fn invoice_feed_repeats_but_never_misses_from_a_late_checkpoint() {
    crate::common::at_least_once::<Invoices>([4, 5, 6]).await;
}
