//! Billy: a feed of invoices while a script files, charges (a card that
//! pays, one that is declined), cancels, re-prices and removes them.

use billkit::Cents;
use billkit::billy::{
    Client, CustomerGuid, Invoice, InvoiceFilter, InvoiceGuid, InvoiceStatus, NewCustomer,
    NewInvoice,
};
use billkit::watch::{Feed, FeedOptions};
use billkit_sandbox::FakeServer;
use billkit_sandbox::billy::BillySandbox;

use crate::common::{Model, Script, SharedTime, Truth, client};

/// A card the sandbox's processor charges.
pub const CARD: &str =
    "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCBXYdbpYDwX68hv69UH1eS";
/// A card the sandbox's processor declines (the charge is retried).
pub const DECLINED: &str = "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCDECLINED1";

pub struct Invoices {
    pub sandbox: std::sync::Arc<BillySandbox>,
    pub client: Client,
    pub time: SharedTime,
    pub customer: CustomerGuid,
    truth: Truth<Invoice>,
}

impl Invoices {
    /// How many records the script's log holds.
    pub fn count(&self) -> usize {
        self.truth.len()
    }

    /// Files an invoice, charged at once when `card` is given.
    pub async fn file(&mut self, cents: i64, card: Option<&str>) -> Invoice {
        let mut new = NewInvoice::new(&self.customer, Cents::new(cents));
        if let Some(card) = card {
            new = new.funding_instrument_uri(card);
        }
        let invoice = self.client.invoices().create(&new).await.unwrap();
        self.truth.insert(invoice.guid.clone(), Model::of(&invoice));
        invoice
    }

    fn changed(&mut self, invoice: &Invoice) {
        let model = self.truth.get_mut(&invoice.guid).unwrap();
        model.status = invoice.status.clone();
        model.version += 1;
    }
}

impl Script for Invoices {
    async fn start() -> Self {
        let sandbox = std::sync::Arc::new(BillySandbox::start().await.unwrap());
        let time = SharedTime::new(sandbox.clock());
        let client = client!(sandbox, time, time.sleeper());
        let customer = client
            .customers()
            .create(&NewCustomer::new())
            .await
            .unwrap()
            .guid;
        let truth = client
            .invoices()
            .list(&InvoiceFilter::new())
            .collect_all()
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.guid.clone(), Model::of(&i)))
            .collect();
        Invoices {
            sandbox,
            client,
            time,
            customer,
            truth,
        }
    }

    async fn prepare(&mut self) {
        for _ in 0..30 {
            self.file(1_000, None).await;
        }
    }

    type T = Invoice;

    async fn step(&mut self, rng: &mut fastrand::Rng) {
        use InvoiceStatus as S;
        let mut touched: Vec<InvoiceGuid> = Vec::new();
        for _ in 0..rng.usize(1..=4) {
            let with = |statuses: &[S],
                        truth: &Truth<Invoice>,
                        touched: &[InvoiceGuid]|
             -> Vec<InvoiceGuid> {
                truth
                    .iter()
                    .filter(|(id, m)| statuses.contains(&m.status) && !touched.contains(*id))
                    .map(|(id, _)| id.clone())
                    .collect()
            };
            let staged = with(&[S::Staged], &self.truth, &touched);
            let open = with(&[S::Staged, S::Processing], &self.truth, &touched);
            let any: Vec<_> = self
                .truth
                .keys()
                .filter(|id| !touched.contains(*id))
                .cloned()
                .collect();
            let pick = |v: &[InvoiceGuid], rng: &mut fastrand::Rng| v[rng.usize(..v.len())].clone();
            match rng.u8(0..6) {
                0 => {
                    let card = [None, Some(CARD), Some(DECLINED)][rng.usize(0..3)];
                    let invoice = self.file(rng.i64(100..100_000), card).await;
                    touched.push(invoice.guid);
                }
                1 if !staged.is_empty() => {
                    // Charged: settled, or processing while the card is declined.
                    let guid = pick(&staged, rng);
                    let card = if rng.bool() { CARD } else { DECLINED };
                    let charged = self
                        .client
                        .invoices()
                        .update_funding_instrument(&guid, card)
                        .await
                        .unwrap();
                    assert_eq!(
                        charged.status,
                        if card == CARD {
                            S::Settled
                        } else {
                            S::Processing
                        }
                    );
                    self.changed(&charged);
                    touched.push(guid);
                }
                2 if !open.is_empty() => {
                    let guid = pick(&open, rng);
                    let canceled = self.client.invoices().cancel(&guid).await.unwrap();
                    assert_eq!(canceled.status, S::Canceled);
                    self.changed(&canceled);
                    touched.push(guid);
                }
                3 if !any.is_empty() => {
                    let guid = pick(&any, rng);
                    let cents = rng.i64(100..100_000);
                    assert!(self.sandbox.plant_effective_amount(&guid, cents));
                    let model = self.truth.get_mut(&guid).unwrap();
                    model.amount = Cents::new(cents);
                    model.version += 1;
                    touched.push(guid);
                }
                4 if !any.is_empty() => {
                    let guid = pick(&any, rng);
                    assert!(self.sandbox.remove_invoice(&guid));
                    self.truth.remove(&guid);
                    touched.push(guid);
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
        ("GET", "/v1/invoices")
    }

    fn feed(&self) -> Feed<Invoice> {
        self.client
            .invoices()
            .watch(&InvoiceFilter::new(), FeedOptions::default())
    }
}

#[tokio::test]
async fn invoice_feed_reports_every_change_exactly_once_across_kills() {
    crate::common::exactly_once::<Invoices>([21, 22, 23]).await;
}

#[tokio::test]
async fn invoice_feed_repeats_but_never_misses_from_a_late_checkpoint() {
    crate::common::at_least_once::<Invoices>([24, 25, 26]).await;
}
