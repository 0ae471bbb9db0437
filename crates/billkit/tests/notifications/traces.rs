//! Secrets stay out of logs: the listener key and the decrypted card data
//! never appear in traces (at TRACE level, through a whole delivery),
//! in `Debug` of what the handler returns, or in error text.
//!
//! A test binary of its own: tracing caches per callsite whether anyone
//! listens, so tests on other threads of a shared binary could switch
//! billkit's spans off before this one's subscriber exists.

#[allow(dead_code)]
#[path = "support.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use billkit::billpro::notifications::{
    Dedup, Encrypted, Handled, Listener, MemoryStore, Notification, NotificationKey,
};
use billkit::billpro::{NewCustomer, NewSingleOrder, OrderLine, PurchaseType};
use billkit_sandbox::HeaderMap;
use billkit_sandbox::billpro::BillProSandbox;

use support::{product, system_id_locator};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const KEY_HEX: &str = "6B3A1F0E9D8C7B6A5F4E3D2C1B0A99887766554433221100FFEEDDCCBBAA9988";
/// The customer's names become the card holder in the sandbox's payloads.
const FIRST: &str = "Zyxwvutsr";
const LAST: &str = "Qponmlkji";
/// The holder of the hand-made payload (not a customer name, which the
/// order shows as BillPro customer data).
const HOLDER: &str = "Hxqzjv Cardholder";

#[tokio::test(flavor = "current_thread")]
async fn neither_key_nor_card_data_reach_traces_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    // No timestamps: their digits could spell a card fragment by chance.
    let subscriber = tracing_subscriber::fmt()
        .without_time()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let key: NotificationKey = KEY_HEX.parse().unwrap();
    let sandbox = BillProSandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let listener = Listener::new(
        key.clone(),
        Dedup::new(MemoryStore::new()),
        system_id_locator(),
        client.clone(),
    );
    let running = support::serve(listener.clone(), support::Faults::NONE).await;
    sandbox.register_listener(running.url.clone(), key.clone());
    let single = product(&client, PurchaseType::SinglePayment).await;
    let customer = client
        .customers()
        .create(&NewCustomer::new(FIRST, LAST, "z@example.com"))
        .await
        .unwrap();
    let order = client
        .orders()
        .create_single_order(
            &NewSingleOrder::new(customer.id, "GBP", "INV-R").product(OrderLine::new(single.id)),
        )
        .await
        .unwrap();
    sandbox.complete_checkout(order.id.get());
    let report = sandbox.notifications().deliver_all(3).await;
    assert_eq!(report.delivered, 1);

    // A handled notification, a refused one and a parsed one, shown.
    let plaintext = format!(
        r#"{{"type":"PAYMENT","payload":{{"id":"r1","paymentType":"DB","card":{{"holder":"{HOLDER}","bin":"497010","last4Digits":"8421","expiryYear":"2037"}},"customParameters":{{"order_id":"{}"}}}}}}"#,
        order.id
    );
    let sealed = Encrypted::seal(&key, plaintext.as_bytes());
    let mut headers = HeaderMap::new();
    headers.insert("X-Initialization-Vector", sealed.iv.parse().unwrap());
    headers.insert("X-Authentication-Tag", sealed.tag.parse().unwrap());
    let handled = listener
        .handle(&headers, sealed.body.as_bytes(), |_, _| async {
            Ok::<(), std::io::Error>(())
        })
        .await;
    assert!(matches!(handled, Handled::Processed(_)), "{handled:?}");
    let refused = listener
        .handle(&headers, b"00", |_, _| async {
            Ok::<(), std::io::Error>(())
        })
        .await;
    let parsed = Notification::from_json(plaintext.as_bytes()).unwrap();
    let bad_card = Notification::from_json(
        format!(r#"{{"type":"PAYMENT","payload":{{"id":"r2","card":{{"holder":["{HOLDER}"]}}}}}}"#)
            .as_bytes(),
    )
    .unwrap_err();

    let shown = [
        mask_ports(&String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()),
        format!("{handled:?}"),
        format!(
            "{refused:?} {refused_status}",
            refused_status = refused.status()
        ),
        format!("{parsed:?}"),
        format!("{bad_card:?} {bad_card}"),
        format!("{listener:?} {key:?}"),
    ];
    assert!(
        shown[0].contains("orders"),
        "the capture records the requests: {}",
        shown[0]
    );
    let lower = KEY_HEX.to_lowercase();
    let card = [KEY_HEX, lower.as_str(), HOLDER, "497010", "8421", "2037"];
    for text in &shown {
        for secret in card {
            assert!(!text.contains(secret), "{secret} shown in: {text}");
        }
    }
    // The sandbox's own card (holder = the customer's names) in traces.
    for secret in [FIRST, LAST, "420000"] {
        assert!(!shown[0].contains(secret), "{secret} traced: {}", shown[0]);
    }
    assert!(shown[5].contains("REDACTED"));
}

/// The trace with every `127.0.0.1:<port>` as `127.0.0.1:PORT`: a random
/// port's digits could spell a card fragment by chance.
fn mask_ports(text: &str) -> String {
    const HOST: &str = "127.0.0.1:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(HOST) {
        out.push_str(&rest[..i + HOST.len()]);
        out.push_str("PORT");
        rest = rest[i + HOST.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}
