//! BillPro: a feed of scheduled payments while a script places instalment
//! orders, collects, declines, cancels, skips, re-prices and removes their
//! payments.

use billkit::Decimal;
use billkit::billpro::{
    Client, NewCustomer, NewInstalmentOrder, OrderLine, Schedule, ScheduledPayment,
    ScheduledPaymentId, ScheduledPaymentStatus, ScheduledPaymentUpdate, TargetStatus,
};
use billkit::watch::{Feed, FeedOptions};
use billkit_sandbox::FakeServer;
use billkit_sandbox::billpro::{BillProSandbox, INSTALMENT_PRODUCT_ID};

use crate::common::{Model, Script, SharedTime, Truth, client};

pub struct Payments {
    pub sandbox: std::sync::Arc<BillProSandbox>,
    pub client: Client,
    pub time: SharedTime,
    truth: Truth<ScheduledPayment>,
    customer: billkit::billpro::CustomerId,
    currency: String,
    orders: u32,
}

impl Payments {
    /// How many records the script's log holds.
    pub fn count(&self) -> usize {
        self.truth.len()
    }

    /// An instalment order of `count` payments; logs each payment.
    pub async fn place(&mut self, count: u32) -> Vec<ScheduledPaymentId> {
        self.orders += 1;
        let order = self
            .client
            .orders()
            .create_instalment_order(&NewInstalmentOrder::new(
                self.customer,
                &self.currency,
                format!("WATCH-{}", self.orders),
                OrderLine::new(INSTALMENT_PRODUCT_ID),
                count,
                Schedule::monthly(),
            ))
            .await
            .unwrap();
        let payments = self
            .client
            .scheduled_payments()
            .list_for_order(order.id)
            .collect_all()
            .await
            .unwrap();
        for p in &payments {
            self.truth.insert(p.id, Model::of(p));
        }
        payments.iter().map(|p| p.id).collect()
    }

    fn set_status(&mut self, id: ScheduledPaymentId, status: ScheduledPaymentStatus) {
        let model = self.truth.get_mut(&id).unwrap();
        model.status = status;
        model.version += 1;
    }
}

impl Script for Payments {
    async fn start() -> Self {
        let sandbox = std::sync::Arc::new(BillProSandbox::start().await.unwrap());
        let time = SharedTime::new(sandbox.clock());
        let client = client!(sandbox, time, time.sleeper());
        let customer = client
            .customers()
            .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
            .await
            .unwrap()
            .id;
        let currency = client
            .products()
            .get(INSTALMENT_PRODUCT_ID)
            .await
            .unwrap()
            .currency;
        let truth = client
            .scheduled_payments()
            .list()
            .collect_all()
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.id, Model::of(&p)))
            .collect();
        Payments {
            sandbox,
            client,
            time,
            truth,
            customer,
            currency,
            orders: 0,
        }
    }

    async fn prepare(&mut self) {
        for _ in 0..10 {
            self.place(3).await;
        }
    }

    type T = ScheduledPayment;

    async fn step(&mut self, rng: &mut fastrand::Rng) {
        use ScheduledPaymentStatus as S;
        let mut touched: Vec<ScheduledPaymentId> = Vec::new();
        for _ in 0..rng.usize(1..=4) {
            let open: Vec<_> = self
                .truth
                .iter()
                .filter(|(id, m)| m.status == S::Scheduled && !touched.contains(*id))
                .map(|(id, _)| *id)
                .collect();
            let declined: Vec<_> = self
                .truth
                .iter()
                .filter(|(id, m)| {
                    matches!(m.status, S::SoftDeclined | S::HardDeclined) && !touched.contains(*id)
                })
                .map(|(id, _)| *id)
                .collect();
            let any: Vec<_> = self
                .truth
                .keys()
                .filter(|id| !touched.contains(*id))
                .copied()
                .collect();
            let pick = |v: &[ScheduledPaymentId], rng: &mut fastrand::Rng| v[rng.usize(..v.len())];
            match rng.u8(0..7) {
                0 => touched.extend(self.place(rng.u32(1..=3)).await),
                1 if !open.is_empty() || !declined.is_empty() => {
                    // Collected: complete, or recovered after a decline.
                    let (id, to) = if declined.is_empty() || (!open.is_empty() && rng.bool()) {
                        (pick(&open, rng), S::Complete)
                    } else {
                        (pick(&declined, rng), S::Recovered)
                    };
                    assert!(self.sandbox.collect_payment(id.get()));
                    self.set_status(id, to);
                    touched.push(id);
                }
                2 if !open.is_empty() => {
                    let id = pick(&open, rng);
                    let hard = rng.bool();
                    assert!(self.sandbox.decline_payment(id, hard));
                    self.set_status(
                        id,
                        if hard {
                            S::HardDeclined
                        } else {
                            S::SoftDeclined
                        },
                    );
                    touched.push(id);
                }
                3 if !open.is_empty() => {
                    let id = pick(&open, rng);
                    let (target, to) = if rng.bool() {
                        (TargetStatus::Cancelled, S::Cancelled)
                    } else {
                        (TargetStatus::Skipped, S::Skipped)
                    };
                    let p = self
                        .client
                        .scheduled_payments()
                        .update(id, &ScheduledPaymentUpdate::new().status(target))
                        .await
                        .unwrap();
                    assert_eq!(p.status, to);
                    self.set_status(id, to);
                    touched.push(id);
                }
                4 if !any.is_empty() => {
                    // One payment re-priced alone (the API would re-price
                    // the later ones too).
                    let id = pick(&any, rng);
                    let amount = Decimal::new(rng.i64(100..100_000), 2);
                    assert!(self.sandbox.plant_scheduled_payment_amount(id, amount));
                    let model = self.truth.get_mut(&id).unwrap();
                    model.amount = amount;
                    model.version += 1;
                    touched.push(id);
                }
                5 if !any.is_empty() => {
                    let id = pick(&any, rng);
                    assert!(self.sandbox.remove_scheduled_payment(id));
                    self.truth.remove(&id);
                    touched.push(id);
                }
                _ => {}
            }
        }
    }

    fn truth(&self) -> &Truth<ScheduledPayment> {
        &self.truth
    }

    fn server(&self) -> &FakeServer {
        self.sandbox.server()
    }

    fn list_route(&self) -> (&'static str, &'static str) {
        ("GET", "/scheduled_payments")
    }

    fn feed(&self) -> Feed<ScheduledPayment> {
        self.client
            .scheduled_payments()
            .watch(FeedOptions::default())
    }
}

#[tokio::test]
async fn scheduled_payment_feed_reports_every_change_exactly_once_across_kills() {
    crate::common::exactly_once::<Payments>([11, 12, 13]).await;
}

#[tokio::test]
async fn scheduled_payment_feed_repeats_but_never_misses_from_a_late_checkpoint() {
    crate::common::at_least_once::<Payments>([14, 15, 16]).await;
}
