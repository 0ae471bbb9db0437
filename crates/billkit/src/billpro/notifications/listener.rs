//! The four steps of a notification handler in one call, for any web
//! framework: hand it the headers and body, answer with the status it says.

use std::fmt;
use std::future::Future;

use super::confirm::{ConfirmError, Confirmation, OrderLocator, OrderVerdict};
use super::crypto::{DecryptError, NotificationKey};
use super::dedup::{Begin, Dedup, StoreError};
use super::model::{ParseError, PaymentPayload};
use crate::billpro::Client;

/// A notification handler: decrypts, reads, processes each transaction
/// once, confirms it with BillPro, and says what to answer.
///
/// ```no_run
/// use billkit::billpro::notifications::*;
/// # async fn demo(billpro: billkit::billpro::Client, headers: billkit_sandbox::HeaderMap, body: Vec<u8>) {
/// let key: NotificationKey = std::env::var("BILLPRO_NOTIFICATION_KEY").unwrap().parse().unwrap();
/// let listener = Listener::new(
///     key,
///     Dedup::new(MemoryStore::new()),
///     OrderLocator::new(OrderField::CustomParameter("order_id".into()), OrderKey::SystemId),
///     billpro,
/// );
/// // In the web handler:
/// let handled = listener
///     .handle(&headers, &body, |payment, confirmation| async move {
///         // Mark the order paid / declined in your system.
///         Ok::<_, std::io::Error>(())
///     })
///     .await;
/// let status = handled.status(); // answer the gateway with this
/// # }
/// ```
#[derive(Clone)]
pub struct Listener {
    key: NotificationKey,
    dedup: Dedup,
    locator: OrderLocator,
    client: Client,
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("key", &self.key)
            .field("dedup", &self.dedup)
            .field("locator", &self.locator)
            .finish_non_exhaustive()
    }
}

/// What [`Listener::handle`] did; [`status`](Self::status) is the answer
/// to send.
#[derive(Debug)]
#[non_exhaustive]
pub enum Handled {
    /// Confirmed with BillPro and acted on (now recorded): 200.
    Processed(Box<Confirmation>),
    /// Processed before: 200.
    AlreadyProcessed,
    /// Not something BillPro says to act on (another type or payment
    /// type): 200, so the gateway stops sending it.
    Ignored,
    /// Could not be decrypted: 400 (the same bytes will never decrypt).
    Undecryptable(DecryptError),
    /// Decrypted but unreadable: 400.
    Unreadable(ParseError),
    /// Being processed elsewhere, or BillPro still shows the order
    /// pending: 503, so the gateway comes back later.
    TryLater,
    /// The order could not be confirmed (no reference, no such order,
    /// BillPro unreachable): 503, kept for a retry.
    Unconfirmed(ConfirmError),
    /// The dedup store failed: 503.
    Store(StoreError),
    /// The caller's action failed (its error, as text): 503, and the
    /// transaction is released for the retry.
    ActionFailed(String),
}

impl Handled {
    /// The HTTP status to answer the gateway with.
    pub fn status(&self) -> u16 {
        match self {
            Handled::Processed(_) | Handled::AlreadyProcessed | Handled::Ignored => 200,
            Handled::Undecryptable(_) | Handled::Unreadable(_) => 400,
            Handled::TryLater
            | Handled::Unconfirmed(_)
            | Handled::Store(_)
            | Handled::ActionFailed(_) => 503,
        }
    }
}

impl Listener {
    /// A handler with its key, dedup store, order locator and BillPro
    /// client.
    pub fn new(key: NotificationKey, dedup: Dedup, locator: OrderLocator, client: Client) -> Self {
        Listener {
            key,
            dedup,
            locator,
            client,
        }
    }

    /// Handles one request. `act` runs at most once per transaction id
    /// (across everything sharing the dedup store), only after BillPro
    /// confirmed the order is paid, declined or cancelled, and gets the
    /// payload and the confirmation; the id is recorded done only when it
    /// succeeds.
    pub async fn handle<F, Fut, E>(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        act: F,
    ) -> Handled
    where
        F: FnOnce(&PaymentPayload, &Confirmation) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: fmt::Display,
    {
        let plaintext = match self.key.decrypt_request(headers, body) {
            Ok(p) => p,
            Err(e) => return Handled::Undecryptable(e),
        };
        let notification = match plaintext.parse() {
            Ok(n) => n,
            Err(e) => return Handled::Unreadable(e),
        };
        let Some(payment) = notification
            .payment()
            .filter(|_| notification.billpro_acts_on())
        else {
            return Handled::Ignored;
        };
        let claim = match self.dedup.begin(&payment.id).await {
            Ok(Begin::Process(claim)) => claim,
            Ok(Begin::AlreadyProcessed) => return Handled::AlreadyProcessed,
            Ok(Begin::InProgress) => return Handled::TryLater,
            Err(e) => return Handled::Store(e),
        };
        // A failed release only delays the retry until the lease ends, so
        // the error worth reporting is the one that made us release.
        let confirmation = match self.locator.confirm(&self.client, payment).await {
            Ok(c) if c.verdict == OrderVerdict::Pending => {
                let _ = claim.release().await;
                return Handled::TryLater;
            }
            Ok(c) => c,
            Err(e) => {
                let _ = claim.release().await;
                return Handled::Unconfirmed(e);
            }
        };
        if let Err(e) = act(payment, &confirmation).await {
            let _ = claim.release().await;
            return Handled::ActionFailed(e.to_string());
        }
        match claim.done().await {
            Ok(()) => Handled::Processed(Box::new(confirmation)),
            Err(e) => Handled::Store(e),
        }
    }
}
