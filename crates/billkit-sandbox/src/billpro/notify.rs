//! The payment gateway's webhook, simulated.
//!
//! Register a listener with [`BillProSandbox::register_listener`]; from then
//! on each simulated transaction result queues an encrypted `PAYMENT`
//! notification for it: [`complete_checkout`](BillProSandbox::complete_checkout)
//! (approved), [`decline_checkout`](BillProSandbox::decline_checkout),
//! [`collect_payment`](BillProSandbox::collect_payment) (a scheduled payment
//! runs) and [`decline_payment`](BillProSandbox::decline_payment).
//!
//! Deliveries go out when the test asks, in rounds
//! ([`Notifications::deliver_round`], [`Notifications::deliver_all`]), so
//! nothing depends on wall-clock time: a delivery that gets no 2xx is sent
//! again a few rounds later, as the gateway does, until one does. The
//! copies, order and delays the real gateway produces are switched on with
//! [`Notifications::duplicate`], [`Notifications::reorder`] and
//! [`Notifications::delay_up_to`].
//!
//! The payload carries the order's system id in
//! `customParameters.order_id`, its `invoice_id` in
//! `merchantTransactionId` and the merchant customer id in
//! `customParameters.customer_id` and `customer.merchantCustomerId`: the
//! real field is not documented, so both candidates are there to test
//! against.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{BillProSandbox, State, lock, money};
use billkit::billpro::notifications::NotificationKey;

/// Rounds a failed delivery waits before the next attempt, by attempt:
/// growing like the gateway's backoff, capped.
const BACKOFF_ROUNDS: [u32; 5] = [1, 2, 4, 8, 16];
/// Deliveries in flight at once.
const PARALLEL: usize = 8;

/// The result code and text of an approved payment.
pub const APPROVED: (&str, &str) = ("000.000.000", "Transaction succeeded");
/// The result code and text the sandbox uses for a declined payment.
pub const DECLINED: (&str, &str) = ("800.100.151", "transaction declined (invalid card)");

/// The webhook side of the sandbox's state.
#[derive(Default, Serialize, Deserialize)]
pub(super) struct Outbox {
    /// Not saved: the key cannot be written out, by design.
    #[serde(skip)]
    pub(super) listener: Option<(String, NotificationKey)>,
    queue: Vec<Delivery>,
    log: Vec<Transaction>,
    duplicates: u32,
    reorder: bool,
    delay_rounds: u32,
    #[serde(skip)]
    rng: Option<fastrand::Rng>,
    next_id: u64,
}

#[derive(Serialize, Deserialize)]
struct Delivery {
    transaction: usize,
    plaintext: String,
    hold: u32,
    attempts: u32,
}

/// One transaction the sandbox notified about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The payload `id`.
    pub id: String,
    /// The order's system id.
    pub order_id: u64,
    /// The scheduled payment, for a scheduled payment's result.
    pub scheduled_payment_id: Option<u64>,
    /// Whether it was approved.
    pub approved: bool,
    /// The amount.
    pub amount: Decimal,
    /// Deliveries answered 2xx (copies included).
    pub delivered: u32,
}

/// What one or more delivery rounds did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// Rounds run.
    pub rounds: u32,
    /// POSTs sent.
    pub attempts: u32,
    /// POSTs answered 2xx.
    pub delivered: u32,
    /// POSTs answered otherwise or not at all (each is retried).
    pub failed: u32,
    /// Deliveries still queued afterwards.
    pub pending: usize,
}

impl Outbox {
    fn rng(&mut self) -> &mut fastrand::Rng {
        self.rng.get_or_insert_with(fastrand::Rng::new)
    }

    /// Queues the notification of one transaction (and its copies).
    fn push(&mut self, transaction: Transaction, payload: Value) {
        if self.listener.is_none() {
            return;
        }
        let plaintext = json!({"type": "PAYMENT", "payload": payload}).to_string();
        let index = self.log.len();
        self.log.push(transaction);
        for _ in 0..=self.duplicates {
            let max = self.delay_rounds;
            let hold = if max == 0 { 0 } else { self.rng().u32(0..=max) };
            self.queue.push(Delivery {
                transaction: index,
                plaintext: plaintext.clone(),
                hold,
                attempts: 0,
            });
        }
    }

    fn next_id(&mut self) -> String {
        self.next_id += 1;
        // 32 hex digits, like the gateway's ids.
        format!(
            "8ac7a4a1{:08x}{:016x}",
            self.next_id,
            self.next_id.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        )
    }
}

/// Queues the notification of a payment result on `order_id`.
pub(super) fn payment_result(
    s: &mut State,
    order_id: u64,
    scheduled_payment_id: Option<u64>,
    approved: bool,
) {
    if s.outbox.listener.is_none() {
        return;
    }
    let Some(order) = s.orders.iter().find(|o| o.id == order_id) else {
        return;
    };
    let amount = match scheduled_payment_id {
        Some(p) => s
            .payments
            .iter()
            .find(|x| x.id == p)
            .map_or(Decimal::ZERO, |x| x.amount),
        None if order.order_type == "single_payment" => order.total_to_pay.unwrap_or_default(),
        None if !order.initial_amount.is_zero() => order.initial_amount,
        None => order.monthly_amount.unwrap_or_default(),
    };
    let currency = order
        .lines
        .first()
        .and_then(|l| l.product.get("currency"))
        .cloned()
        .unwrap_or(Value::Null);
    let customer = &order.customer;
    let text = |k: &str| customer.get(k).cloned().unwrap_or(Value::Null);
    let holder = format!(
        "{} {}",
        customer
            .get("first_name")
            .and_then(Value::as_str)
            .unwrap_or(""),
        customer
            .get("last_name")
            .and_then(Value::as_str)
            .unwrap_or("")
    );
    let (code, description) = if approved { APPROVED } else { DECLINED };
    let id = s.outbox.next_id();
    let payload = json!({
        "id": id,
        "paymentType": "DB",
        "paymentBrand": "VISA",
        "amount": money(amount),
        "currency": currency,
        "descriptor": format!("BillPro order {}", order_id),
        "merchantTransactionId": order.invoice_id,
        "result": {"code": code, "description": description},
        "card": {"bin": "420000", "last4Digits": "0000", "holder": holder.trim(), "expiryMonth": "05", "expiryYear": "2034"},
        "customer": {"givenName": text("first_name"), "surname": text("last_name"), "email": text("email"), "merchantCustomerId": text("customer_id")},
        "customParameters": {"order_id": order_id.to_string(), "customer_id": text("customer_id")},
        "timestamp": s.clock.now().format("%Y-%m-%d %H:%M:%S%z").to_string(),
        "ndc": format!("{:032x}", order_id),
    });
    let transaction = Transaction {
        id,
        order_id,
        scheduled_payment_id,
        approved,
        amount,
        delivered: 0,
    };
    s.outbox.push(transaction, payload);
}

/// The webhook controls of a [`BillProSandbox`].
#[derive(Debug, Clone, Copy)]
pub struct Notifications<'a> {
    sandbox: &'a BillProSandbox,
}

impl BillProSandbox {
    /// Registers the listener the gateway posts to, with its key (what
    /// BillPro's customer service does for a real merchant). Replaces an
    /// earlier one; results before it are not notified.
    pub fn register_listener(&self, url: impl Into<String>, key: NotificationKey) {
        lock(&self.state).outbox.listener = Some((url.into(), key));
    }

    /// The webhook: delivery rounds, duplicates, reordering, delays, and the
    /// log of notified transactions.
    pub fn notifications(&self) -> Notifications<'_> {
        Notifications { sandbox: self }
    }

    /// Simulates the gateway declining an order's checkout: a pending or
    /// draft order becomes `rejected`, and a declined notification is
    /// queued. Returns `false` when there is no such order in that state.
    pub fn decline_checkout(&self, order_id: u64) -> bool {
        let mut s = lock(&self.state);
        let now = s.clock.now();
        let Some(order) = s.orders.iter_mut().find(|o| o.id == order_id) else {
            return false;
        };
        if !matches!(order.status.as_str(), "pending" | "draft") {
            return false;
        }
        order.status = "rejected".to_owned();
        order.updated_at = now;
        payment_result(&mut s, order_id, None, false);
        true
    }

    /// Simulates a `scheduled` payment being collected: it becomes
    /// `complete` (`recovered` after a decline), its order `active` if it
    /// was `failed` or `suspended`, and an approved notification is queued.
    /// Returns `false` when there is no such payment in a collectable state.
    pub fn collect_payment(&self, scheduled_payment_id: u64) -> bool {
        let mut s = lock(&self.state);
        let now = s.clock.now();
        let Some(p) = s.payments.iter_mut().find(|p| {
            p.id == scheduled_payment_id
                && matches!(
                    p.status.as_str(),
                    "scheduled" | "soft-declined" | "hard-declined"
                )
        }) else {
            return false;
        };
        p.status = if p.status == "scheduled" {
            "complete"
        } else {
            "recovered"
        }
        .to_owned();
        p.updated_at = now;
        let order_id = p.order_id;
        let still_declined = s.payments.iter().any(|p| {
            p.order_id == order_id && matches!(p.status.as_str(), "soft-declined" | "hard-declined")
        });
        if let Some(o) = s.orders.iter_mut().find(|o| o.id == order_id)
            && !still_declined
            && matches!(o.status.as_str(), "failed" | "suspended")
        {
            o.status = "active".to_owned();
            o.updated_at = now;
        }
        payment_result(&mut s, order_id, Some(scheduled_payment_id), true);
        true
    }
}

impl Notifications<'_> {
    /// Sends each notification `n` extra times (each copy delivered on its
    /// own, as after a lost 2xx). Applies to results from now on.
    pub fn duplicate(&self, n: u32) -> &Self {
        lock(&self.sandbox.state).outbox.duplicates = n;
        self
    }

    /// Delivers each round's notifications in a random order.
    pub fn reorder(&self, yes: bool) -> &Self {
        lock(&self.sandbox.state).outbox.reorder = yes;
        self
    }

    /// Holds each new delivery back a random 0 to `rounds` rounds.
    pub fn delay_up_to(&self, rounds: u32) -> &Self {
        lock(&self.sandbox.state).outbox.delay_rounds = rounds;
        self
    }

    /// Seeds the random choices (copies' delays, order), for a test that
    /// must replay exactly.
    pub fn seed(&self, seed: u64) -> &Self {
        lock(&self.sandbox.state).outbox.rng = Some(fastrand::Rng::with_seed(seed));
        self
    }

    /// Deliveries queued (held back, retrying or due).
    pub fn pending(&self) -> usize {
        lock(&self.sandbox.state).outbox.queue.len()
    }

    /// Every transaction notified so far, in the order of the results.
    pub fn transactions(&self) -> Vec<Transaction> {
        lock(&self.sandbox.state).outbox.log.clone()
    }

    /// One round: held deliveries move one round closer; those due are
    /// encrypted (a fresh IV each time) and POSTed; any not answered 2xx
    /// is queued again for a later round.
    pub async fn deliver_round(&self) -> DeliveryReport {
        let (listener, due) = {
            let mut s = lock(&self.sandbox.state);
            let outbox = &mut s.outbox;
            let Some(listener) = outbox.listener.clone() else {
                return DeliveryReport::default();
            };
            let (mut due, held): (Vec<Delivery>, Vec<Delivery>) =
                outbox.queue.drain(..).partition(|d| d.hold == 0);
            outbox.queue = held
                .into_iter()
                .map(|mut d| {
                    d.hold -= 1;
                    d
                })
                .collect();
            if outbox.reorder {
                outbox.rng().shuffle(&mut due);
            }
            (listener, due)
        };
        let (url, key) = listener;
        let http = reqwest::Client::builder().no_proxy().build().ok();
        let post = |d: Delivery| {
            let sealed =
                billkit::billpro::notifications::Encrypted::seal(&key, d.plaintext.as_bytes());
            let request = http.as_ref().map(|http| {
                http.post(&url)
                    .header("X-Initialization-Vector", sealed.iv)
                    .header("X-Authentication-Tag", sealed.tag)
                    .header("Content-Type", "text/plain")
                    .body(sealed.body)
                    .send()
            });
            async move {
                let ok = match request {
                    Some(sent) => sent.await.is_ok_and(|r| r.status().is_success()),
                    None => false,
                };
                (d, ok)
            }
        };
        let mut report = DeliveryReport {
            rounds: 1,
            ..DeliveryReport::default()
        };
        // Like the gateway, several deliveries are in flight at once, so
        // copies of one transaction can reach the listener together.
        let mut sent = futures_util::stream::iter(due)
            .map(post)
            .buffer_unordered(PARALLEL);
        while let Some((mut d, ok)) = sent.next().await {
            report.attempts += 1;
            let mut s = lock(&self.sandbox.state);
            if ok {
                report.delivered += 1;
                if let Some(t) = s.outbox.log.get_mut(d.transaction) {
                    t.delivered += 1;
                }
            } else {
                report.failed += 1;
                let step = usize::try_from(d.attempts).unwrap_or(usize::MAX);
                d.hold = BACKOFF_ROUNDS[step.min(BACKOFF_ROUNDS.len() - 1)];
                d.attempts = d.attempts.saturating_add(1);
                s.outbox.queue.push(d);
            }
        }
        report.pending = self.pending();
        report
    }

    /// Runs rounds until nothing is queued or `max_rounds` have run.
    pub async fn deliver_all(&self, max_rounds: u32) -> DeliveryReport {
        let mut total = DeliveryReport::default();
        while total.rounds < max_rounds && self.pending() > 0 {
            let r = self.deliver_round().await;
            total.rounds += 1;
            total.attempts += r.attempts;
            total.delivered += r.delivered;
            total.failed += r.failed;
        }
        total.pending = self.pending();
        total
    }

    /// How many deliveries each transaction id got answered 2xx.
    pub fn delivered_by_id(&self) -> BTreeMap<String, u32> {
        lock(&self.sandbox.state)
            .outbox
            .log
            .iter()
            .map(|t| (t.id.clone(), t.delivered))
            .collect()
    }
}
