//! Payment notifications: the BillPro payment gateway's webhook
//! (feature `billpro-notifications`, on by default).
//!
//! Merchants on the BillPro (CardCorp) payment gateway get an encrypted
//! `POST` for each transaction result: AES-256-GCM under the listener's
//! secret, the IV and tag in the `X-Initialization-Vector` and
//! `X-Authentication-Tag` headers and the ciphertext as the hex body. A
//! handler does four things, each a step here:
//!
//! 1. **Decrypt and authenticate** with a [`NotificationKey`]
//!    ([`NotificationKey::decrypt_request`]): one [`DecryptError`] for
//!    anything wrong, never partial output. Answer 4xx to those.
//! 2. **Read** the [`Notification`] ([`Plaintext::parse`]): open enums,
//!    exact amounts, the result code with BillPro's "approved" rule
//!    ([`PaymentPayload::is_approved`]) and the gateway's finer
//!    [`ResultClass`]; unknown keys kept.
//! 3. **Once each**: claim the transaction `id` in a [`Dedup`] (in memory,
//!    or in Redis with feature `redis` so replicas share it); the gateway
//!    resends until it gets a 2xx, and copies arrive out of order.
//! 4. **Confirm** with BillPro ([`OrderLocator::confirm`]): the order's
//!    status is the truth; the webhook is only the faster signal.
//!
//! Answer 2xx only after the transaction is recorded as done; answer 5xx
//! on a store or BillPro failure so the gateway tries again.
//!
//! ```no_run
//! use billkit::billpro::notifications::*;
//! # async fn handle(
//! #     headers: &billkit::http::HeaderMap, body: &[u8],
//! #     key: &NotificationKey, dedup: &Dedup, billpro: &billkit::billpro::Client,
//! # ) -> u16 {
//! let Ok(plaintext) = key.decrypt_request(headers, body) else { return 400 };
//! let Ok(notification) = plaintext.parse() else { return 400 };
//! let Some(payment) = notification.payment().filter(|_| notification.billpro_acts_on()) else {
//!     return 200; // not about a BillPro payment
//! };
//! let locator = OrderLocator::new(OrderField::CustomParameter("order_id".into()), OrderKey::SystemId);
//! let done = dedup
//!     .once(&payment.id, || async {
//!         let confirmation = locator.confirm(billpro, payment).await?;
//!         // ... mark the order paid / declined in your system ...
//!         Ok::<_, ConfirmError>(confirmation.verdict)
//!     })
//!     .await;
//! match done {
//!     Ok(Once::Processed(_) | Once::AlreadyProcessed) => 200,
//!     Ok(Once::InProgress) | Ok(_) | Err(_) => 503,
//! }
//! # }
//! ```
//!
//! Secrets stay out of logs: the key, the decrypted bytes and the card
//! show as `[REDACTED]` in `Debug`, and no error repeats a header, body or
//! payload value.

mod codes;
mod confirm;
mod crypto;
mod dedup;
mod listener;
mod model;

pub use confirm::{
    ConfirmError, Confirmation, OrderField, OrderKey, OrderLocator, OrderRef, OrderVerdict,
};
pub use crypto::{
    DecryptError, Encrypted, IV_HEADER, KeyError, MAX_BODY_HEX, NotificationKey, Part, Plaintext,
    TAG_HEADER,
};
#[cfg(feature = "redis")]
pub use dedup::RedisStore;
pub use dedup::{
    Begin, ClaimState, Claimed, Dedup, DedupStore, MemoryStore, Once, OnceError, StoreError,
    StoreFuture,
};
pub use listener::{Handled, Listener};
pub use model::{
    Card, CustomerInfo, DeclineReason, Extra, Notification, NotificationType, ParseError, Payload,
    PaymentPayload, PaymentType, RegistrationAction, ResultClass, ResultCode, TransactionResult,
};
