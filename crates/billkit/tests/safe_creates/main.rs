//! "No accidental double charges", attacked: many creates against the
//! sandboxes with faults aimed at the create (lost answers, 502/503 after
//! the commit, commits that land after the client gave up). Afterwards the
//! server must hold no duplicate, every `Ok` must match a record, and every
//! error's `outcome()` must be true of the server's state.
//!
//! Time: the attempt timeout and late commits are real (short) durations;
//! backoff runs on a manual clock. Nothing asserts on wall-clock time.

use std::collections::HashMap;
use std::time::Duration;

use billkit::billpro::{NewCustomer, NewSingleOrder, OrderLine, PurchaseType};
use billkit::http::ManualClock;
use billkit::{Error, Outcome, TryStreamExt};
use billkit_sandbox::Faults;
use billkit_sandbox::billpro::BillProSandbox;
use billkit_sandbox::billy::BillySandbox;

const CALLS: usize = 200;
const ATTEMPT: Duration = Duration::from_millis(150);
const LATE: Duration = Duration::from_millis(400);

#[derive(Debug, Default)]
struct Counts {
    calls: usize,
    faults: usize,
    ok: usize,
    duplicates: usize,
    landed_but_error: usize,
    may_have_landed: usize,
    not_applied: usize,
    false_outcomes: usize,
    /// Unknown outcomes checked with the documented recovery lookup.
    recovered: usize,
}

/// Aims one fault (or none) at the next create, 30% of calls faulted.
fn arm(faults: &Faults, method: &str, path: &str, rng: &mut fastrand::Rng) -> bool {
    let aimed = faults.on(method, path);
    match rng.u32(0..100) {
        0..=9 => aimed.lose_answer(1),
        10..=14 => aimed.fail_after_commit(1, 502),
        15..=19 => aimed.fail_after_commit(1, 503),
        20..=29 => aimed.commit_late(1, LATE),
        _ => return false,
    };
    true
}

/// Checks one error's outcome against whether the record exists.
fn judge(counts: &mut Counts, err: &Error, exists: bool) {
    match err.outcome() {
        Outcome::NotApplied => {
            counts.not_applied += 1;
            if exists {
                counts.false_outcomes += 1;
            }
        }
        Outcome::Applied => {
            counts.landed_but_error += 1;
            if !exists {
                counts.false_outcomes += 1;
            }
        }
        // Either may be true; the promise is that it was not called retryable.
        Outcome::Unknown => {
            counts.may_have_landed += 1;
            if err.is_retryable() {
                counts.false_outcomes += 1;
            }
        }
        _ => counts.false_outcomes += 1,
    }
}

fn report(name: &str, c: &Counts) {
    println!(
        "{name}: calls {} faults {} ok {} duplicates {} landed-but-error {} may-have-landed {} not-applied {} false-outcomes {} recovered {}",
        c.calls,
        c.faults,
        c.ok,
        c.duplicates,
        c.landed_but_error,
        c.may_have_landed,
        c.not_applied,
        c.false_outcomes,
        c.recovered
    );
    assert_eq!(c.calls, CALLS);
    assert_eq!(c.duplicates, 0, "{name}: duplicates");
    assert_eq!(c.false_outcomes, 0, "{name}: false outcomes");
    assert!(
        c.faults > CALLS / 5,
        "{name}: too few faults to mean anything"
    );
}

/// A BillPro sandbox and a client with a short attempt timeout and manual
/// backoff.
async fn billpro() -> (BillProSandbox, ManualClock, billkit::billpro::Client) {
    let sandbox = BillProSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let client = billkit::billpro::Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .profile_id(sandbox.profile_id())
        .attempt_timeout(ATTEMPT)
        .manual_time(&clock)
        .build()
        .unwrap();
    (sandbox, clock, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billpro_orders_are_never_duplicated_and_errors_tell_the_truth() {
    let (sandbox, _clock, client) = billpro().await;
    let customer = client
        .customers()
        .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
        .await
        .unwrap();
    let product = client
        .products()
        .list(&billkit::billpro::ProductFilter::new())
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.product_type == PurchaseType::SinglePayment)
        .unwrap();
    let faults = sandbox.server().faults();
    let mut rng = fastrand::Rng::with_seed(9);
    let mut counts = Counts::default();
    let mut results = Vec::new();
    for n in 0..CALLS {
        counts.calls += 1;
        if arm(faults, "POST", "/orders/create_single_order", &mut rng) {
            counts.faults += 1;
        }
        let invoice_id = format!("SAFE-{n}");
        let order = NewSingleOrder::new(customer.id, &product.currency, &invoice_id)
            .product(OrderLine::new(product.id));
        let got = client.orders().create_single_order(&order).await;
        faults.clear();
        results.push((invoice_id, got));
    }
    // Let every late commit land before looking.
    tokio::time::sleep(LATE * 2).await;
    let mut by_invoice: HashMap<String, Vec<u64>> = HashMap::new();
    for o in client.orders().list().collect_all().await.unwrap() {
        if let Some(i) = o.invoice_id {
            by_invoice.entry(i).or_default().push(o.id.get());
        }
    }
    counts.duplicates = by_invoice.values().filter(|v| v.len() > 1).count();
    for (invoice_id, got) in &results {
        let held = by_invoice.get(invoice_id).map_or(&[][..], |v| v.as_slice());
        match got {
            Ok(order) => {
                counts.ok += 1;
                if held != [order.id.get()] {
                    counts.false_outcomes += 1;
                }
            }
            Err(e) => {
                judge(&mut counts, e, !held.is_empty());
                if e.outcome() == Outcome::Unknown {
                    let key = e.lookup_key().expect("a keyed create carries its key");
                    assert_eq!(key.value(), invoice_id);
                    // The documented recovery, with up to 199 orders made
                    // after this one: it finds the order exactly when it
                    // exists, so a create after `None` is never a second.
                    // (A client with the default timeouts: the faults are
                    // over and the short attempt timeout is for creates.)
                    let since = key.sent_at().expect("the key says when it was sent");
                    let found = sandbox
                        .client()
                        .unwrap()
                        .orders()
                        .find_by_invoice_id_since(key.value(), since)
                        .await
                        .unwrap();
                    if found.map(|o| o.id.get()).as_slice() != held {
                        counts.false_outcomes += 1;
                    }
                    counts.recovered += 1;
                }
            }
        }
    }
    report("billpro orders", &counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billpro_customers_errors_tell_the_truth() {
    let (sandbox, _clock, client) = billpro().await;
    let faults = sandbox.server().faults();
    let mut rng = fastrand::Rng::with_seed(11);
    let mut counts = Counts::default();
    let mut results = Vec::new();
    for n in 0..CALLS {
        counts.calls += 1;
        if arm(faults, "POST", "/customers", &mut rng) {
            counts.faults += 1;
        }
        let email = format!("safe{n}@example.com");
        let got = client
            .customers()
            .create(&NewCustomer::new("Safe", "Create", &email))
            .await;
        faults.clear();
        results.push((email, got));
    }
    tokio::time::sleep(LATE * 2).await;
    let mut by_email: HashMap<String, Vec<u64>> = HashMap::new();
    for c in client.customers().list().collect_all().await.unwrap() {
        by_email.entry(c.email).or_default().push(c.id.get());
    }
    counts.duplicates = by_email.values().filter(|v| v.len() > 1).count();
    for (email, got) in &results {
        let held = by_email.get(email).map_or(&[][..], |v| v.as_slice());
        match got {
            Ok(customer) => {
                counts.ok += 1;
                if held != [customer.id.get()] {
                    counts.false_outcomes += 1;
                }
            }
            Err(e) => {
                judge(&mut counts, e, !held.is_empty());
                if e.outcome() == Outcome::Unknown {
                    // Keyed by e-mail and time; the recovery lookup finds
                    // the customer exactly when it exists.
                    let key = e.lookup_key().expect("a create carries its key");
                    assert_eq!((key.field(), key.value()), ("email", email.as_str()));
                    let found = sandbox
                        .client()
                        .unwrap()
                        .customers()
                        .find_by_email_since(email, key.sent_at().unwrap())
                        .await
                        .unwrap();
                    if found.map(|c| c.id.get()).as_slice() != held {
                        counts.false_outcomes += 1;
                    }
                    counts.recovered += 1;
                }
            }
        }
    }
    report("billpro customers", &counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billy_invoices_are_never_duplicated_and_errors_tell_the_truth() {
    use billkit::billy::{NewCustomer, NewInvoice};
    let sandbox = BillySandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let client = billkit::billy::Client::builder()
        .base_url(sandbox.base_url())
        .api_key(sandbox.api_key())
        .attempt_timeout(ATTEMPT)
        .manual_time(&clock)
        .build()
        .unwrap();
    let customer = client
        .customers()
        .create(&NewCustomer::new())
        .await
        .unwrap();
    let faults = sandbox.server().faults();
    let mut rng = fastrand::Rng::with_seed(13);
    let mut counts = Counts::default();
    let mut results = Vec::new();
    for n in 0..CALLS {
        counts.calls += 1;
        if arm(faults, "POST", "/v1/invoices", &mut rng) {
            counts.faults += 1;
        }
        let external_id = format!("safe-{n}");
        let got = client
            .invoices()
            .create(
                &NewInvoice::new(&customer.guid, billkit::Cents::new(1000))
                    .external_id(&external_id),
            )
            .await;
        faults.clear();
        results.push((external_id, got));
    }
    tokio::time::sleep(LATE * 2).await;
    let mut by_external: HashMap<String, Vec<String>> = HashMap::new();
    let all: Vec<_> = client
        .invoices()
        .list_for_customer(&customer.guid)
        .stream()
        .try_collect()
        .await
        .unwrap();
    for i in all {
        if let Some(x) = i.external_id() {
            by_external
                .entry(x.to_owned())
                .or_default()
                .push(i.guid.to_string());
        }
    }
    counts.duplicates = by_external.values().filter(|v| v.len() > 1).count();
    for (external_id, got) in &results {
        let held = by_external
            .get(external_id)
            .map_or(&[][..], |v| v.as_slice());
        match got {
            Ok(invoice) => {
                counts.ok += 1;
                if held != [invoice.guid.to_string()] {
                    counts.false_outcomes += 1;
                }
            }
            Err(e) => judge(&mut counts, e, !held.is_empty()),
        }
    }
    report("billy invoices", &counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billmora_users_are_never_duplicated_and_errors_tell_the_truth() {
    use billkit::billmora::{NewUser, UserFilter};
    use billkit_sandbox::billmora::BillmoraSandbox;
    let sandbox = BillmoraSandbox::start().await.unwrap();
    sandbox.set_rate_limit(1_000_000);
    let clock = ManualClock::new();
    let client = billkit::billmora::Client::builder()
        .base_url(sandbox.base_url())
        .token(sandbox.token())
        .rate_limit(None)
        .attempt_timeout(ATTEMPT)
        .manual_time(&clock)
        .build()
        .unwrap();
    let faults = sandbox.server().faults();
    let mut rng = fastrand::Rng::with_seed(17);
    let mut counts = Counts::default();
    let mut results = Vec::new();
    for n in 0..CALLS {
        counts.calls += 1;
        if arm(faults, "POST", "/users", &mut rng) {
            counts.faults += 1;
        }
        let email = format!("safe{n}@example.com");
        let got = client
            .users()
            .create(&NewUser::new(
                "Safe",
                "Create",
                &email,
                "correct horse battery",
            ))
            .await;
        faults.clear();
        results.push((email, got));
    }
    tokio::time::sleep(LATE * 2).await;
    let mut by_email: HashMap<String, Vec<billkit::billmora::UserId>> = HashMap::new();
    let all = client
        .users()
        .list(&UserFilter::new())
        .per_page(100)
        .collect_all()
        .await
        .unwrap();
    for u in all {
        by_email
            .entry(u.email.to_ascii_lowercase())
            .or_default()
            .push(u.id);
    }
    counts.duplicates = by_email.values().filter(|v| v.len() > 1).count();
    for (email, got) in &results {
        let held = by_email.get(email).map_or(&[][..], |v| v.as_slice());
        match got {
            Ok(user) => {
                counts.ok += 1;
                if held != [user.id] {
                    counts.false_outcomes += 1;
                }
            }
            Err(e) => judge(&mut counts, e, !held.is_empty()),
        }
    }
    report("billmora users", &counts);
}
