//! The decrypted notification, typed: envelope, payment payload, result
//! codes and their classes.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Keys the typed model does not know, kept with their exact JSON text.
pub type Extra = BTreeMap<String, Box<RawValue>>;

crate::open_enum! {
    /// What a notification is about (`type`).
    pub enum NotificationType {
        /// A payment was created or updated.
        Payment => "PAYMENT",
        /// A stored card (registration) was created, updated or deleted.
        Registration => "REGISTRATION",
        /// A risk check.
        Risk => "RISK",
    }
}

crate::open_enum! {
    /// What happened to a registration (`action`).
    pub enum RegistrationAction {
        /// Created.
        Created => "CREATED",
        /// Updated.
        Updated => "UPDATED",
        /// Deleted.
        Deleted => "DELETED",
    }
}

crate::open_enum! {
    /// The kind of transaction (`paymentType`).
    pub enum PaymentType {
        /// Debit: money taken now.
        Debit => "DB",
        /// Pre-authorisation: money reserved.
        PreAuthorisation => "PA",
        /// Capture of a pre-authorisation.
        Capture => "CP",
        /// Refund.
        Refund => "RF",
        /// Reversal of a pre-authorisation or debit.
        Reversal => "RV",
        /// Registration of a card.
        Registration => "RG",
        /// Credit to the card.
        Credit => "CD",
        /// Rebill.
        Rebill => "RB",
        /// Chargeback.
        Chargeback => "CB",
    }
}

impl PaymentType {
    /// Whether BillPro says to act on this payment type (`DB`, `RF`, `RG`,
    /// `PA`); others are not about a BillPro order's payment.
    pub fn billpro_acts_on(&self) -> bool {
        matches!(
            self,
            PaymentType::Debit
                | PaymentType::Refund
                | PaymentType::Registration
                | PaymentType::PreAuthorisation
        )
    }
}

/// A decrypted notification: the envelope and its payload.
///
/// Unknown `type`s and `paymentType`s decode; unknown keys are kept in the
/// `extra` maps with their exact JSON text.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Notification {
    /// `type`.
    pub kind: NotificationType,
    /// `action`, sent for registrations.
    pub action: Option<RegistrationAction>,
    /// The payload, typed for payments and registrations.
    pub payload: Payload,
    /// Other envelope keys.
    pub extra: Extra,
}

/// A notification's `payload`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Payload {
    /// The gateway's payment object (for `PAYMENT` and `REGISTRATION`).
    Payment(Box<PaymentPayload>),
    /// The payload of another type, as sent (`None` when there was none).
    Other(Option<Box<RawValue>>),
}

/// The gateway's payment (or registration) object.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PaymentPayload {
    /// The transaction's unique id: the key to deduplicate by.
    pub id: String,
    /// The kind of transaction.
    pub payment_type: Option<PaymentType>,
    /// The card brand or payment method (`VISA`, `MASTER`, ...).
    pub payment_brand: Option<String>,
    /// The amount, exact (sent as a decimal string such as `"92.00"`).
    pub amount: Option<Decimal>,
    /// ISO 4217 currency code.
    pub currency: Option<String>,
    /// The text on the customer's statement.
    pub descriptor: Option<String>,
    /// The merchant's own reference for the transaction.
    pub merchant_transaction_id: Option<String>,
    /// The outcome.
    pub result: Option<TransactionResult>,
    /// The card (redacted in `Debug`).
    pub card: Option<Card>,
    /// The customer.
    pub customer: Option<CustomerInfo>,
    /// Merchant-defined parameters (numbers and booleans read as text).
    pub custom_parameters: BTreeMap<String, String>,
    /// When the gateway recorded the transaction.
    pub timestamp: Option<DateTime<Utc>>,
    /// Other keys (`risk`, `resultDetails`, `ndc`, ...), exact.
    pub extra: Extra,
}

impl PaymentPayload {
    /// BillPro's rule: approved when `result.code` is `000.000.000`, and
    /// declined otherwise (a missing result included).
    pub fn is_approved(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.code.is_approved())
    }

    /// The gateway's finer class of the result code
    /// ([`ResultClass::Unrecognised`] when there is none).
    pub fn result_class(&self) -> ResultClass {
        self.result
            .as_ref()
            .map_or(ResultClass::Unrecognised, |r| r.code.class())
    }
}

/// `result`: the code and its description.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransactionResult {
    /// The code, `ddd.ddd.ddd`.
    pub code: ResultCode,
    /// The gateway's text for it.
    pub description: Option<String>,
}

/// A gateway result code such as `000.000.000` or `800.100.151`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResultCode(pub String);

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ResultCode {
    /// BillPro's rule: only `000.000.000` is approved.
    pub fn is_approved(&self) -> bool {
        self.0 == "000.000.000"
    }

    /// The gateway's class of the code, by its documented prefixes.
    pub fn class(&self) -> ResultClass {
        super::codes::classify(&self.0)
    }
}

/// The gateway's groups of result codes. BillPro's own rule
/// ([`ResultCode::is_approved`]) stays the answer to "was it approved";
/// the class says more (review it, wait for it, why it was refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResultClass {
    /// Successfully processed.
    Approved,
    /// Successfully processed, but to be reviewed by hand.
    ApprovedReview,
    /// Pending: an open session that resolves (or times out) within half
    /// an hour.
    Pending,
    /// Pending: may change status even days later.
    PendingLong,
    /// Rejected.
    Declined(DeclineReason),
    /// A chargeback.
    Chargeback,
    /// Not `ddd.ddd.ddd`, or in no documented group.
    Unrecognised,
}

/// Why the gateway rejected a transaction, by the group of its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeclineReason {
    /// 3-D Secure and Intercard risk checks.
    ThreeDSecureAndRisk,
    /// The bank or a similar payment system.
    Bank,
    /// Communication errors.
    Communication,
    /// System errors.
    System,
    /// Errors in an asynchronous workflow.
    AsyncWorkflow,
    /// A soft decline: the customer must authenticate again.
    SoftDecline,
    /// External risk systems.
    ExternalRisk,
    /// Address validation.
    AddressValidation,
    /// 3-D Secure.
    ThreeDSecure,
    /// A blacklist.
    Blacklist,
    /// Risk validation.
    RiskValidation,
    /// Configuration validation.
    Configuration,
    /// Registration validation.
    Registration,
    /// Job validation.
    Job,
    /// Reference validation.
    Reference,
    /// Format validation.
    Format,
    /// Address details.
    Address,
    /// Contact details.
    Contact,
    /// Account details.
    Account,
    /// Amount validation.
    Amount,
    /// Risk management.
    RiskManagement,
}

/// The card used (`card`). Every field is card data: `Debug` shows none.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Card {
    /// The first six digits.
    pub bin: Option<String>,
    /// The last four digits.
    pub last4_digits: Option<String>,
    /// The holder's name.
    pub holder: Option<String>,
    /// `MM`.
    pub expiry_month: Option<String>,
    /// `YYYY`.
    pub expiry_year: Option<String>,
    /// Other keys.
    pub extra: Extra,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Card([REDACTED])")
    }
}

/// The customer (`customer`).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CustomerInfo {
    /// First name.
    pub given_name: Option<String>,
    /// Last name.
    pub surname: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The merchant's id of the customer.
    pub merchant_customer_id: Option<String>,
    /// Other keys.
    pub extra: Extra,
}

/// Why a decrypted notification could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification: {message}")]
pub struct ParseError {
    message: String,
}

impl ParseError {
    fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
        }
    }

    /// What was wrong (never a value from the payload).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Notification {
    /// Reads a decrypted notification. Fails on JSON that is not an
    /// object, a missing `type`, or a payment payload without an `id` or
    /// with a field of the wrong shape; never on unknown keys or values.
    pub fn from_json(bytes: &[u8]) -> Result<Notification, ParseError> {
        let mut map = object(bytes, "the notification")?;
        let kind = match take_str(&mut map, "type")? {
            Some(t) => NotificationType::from(t.as_str()),
            None => return Err(ParseError::new("no `type`")),
        };
        let action = take_str(&mut map, "action")?.map(|a| RegistrationAction::from(a.as_str()));
        let raw_payload = map.remove("payload");
        let payload = match kind {
            NotificationType::Payment | NotificationType::Registration => {
                let raw = raw_payload.ok_or_else(|| ParseError::new("no `payload`"))?;
                Payload::Payment(Box::new(PaymentPayload::from_raw(&raw)?))
            }
            _ => Payload::Other(raw_payload),
        };
        Ok(Notification {
            kind,
            action,
            payload,
            extra: map,
        })
    }

    /// The payment payload, for `PAYMENT` and `REGISTRATION`.
    pub fn payment(&self) -> Option<&PaymentPayload> {
        match &self.payload {
            Payload::Payment(p) => Some(p),
            Payload::Other(_) => None,
        }
    }

    /// Whether BillPro says to act on it: a `PAYMENT` or `REGISTRATION`
    /// whose `paymentType` is `DB`, `RF`, `RG` or `PA`.
    pub fn billpro_acts_on(&self) -> bool {
        matches!(
            self.kind,
            NotificationType::Payment | NotificationType::Registration
        ) && self
            .payment()
            .and_then(|p| p.payment_type.as_ref())
            .is_some_and(PaymentType::billpro_acts_on)
    }
}

impl PaymentPayload {
    fn from_raw(raw: &RawValue) -> Result<PaymentPayload, ParseError> {
        let mut map = object(raw.get().as_bytes(), "`payload`")?;
        let id = match take_str(&mut map, "id")? {
            Some(id) if !id.is_empty() => id,
            _ => return Err(ParseError::new("`payload` has no `id`")),
        };
        let amount = match map.remove("amount") {
            None => None,
            Some(raw) => crate::money::decimal_opt::deserialize(
                &mut serde_json::Deserializer::from_str(raw.get()),
            )
            .map_err(|_| ParseError::new("`payload.amount` is not an exact amount"))?,
        };
        let result = match take_object(&mut map, "result")? {
            None => None,
            Some(mut r) => {
                let code = take_str(&mut r, "code")?
                    .ok_or_else(|| ParseError::new("`payload.result` has no `code`"))?;
                Some(TransactionResult {
                    code: ResultCode(code),
                    description: take_str(&mut r, "description")?,
                })
            }
        };
        let card = match take_object(&mut map, "card")? {
            None => None,
            Some(mut c) => Some(Card {
                bin: take_text(&mut c, "bin")?,
                last4_digits: take_text(&mut c, "last4Digits")?,
                holder: take_str(&mut c, "holder")?,
                expiry_month: take_text(&mut c, "expiryMonth")?,
                expiry_year: take_text(&mut c, "expiryYear")?,
                extra: c,
            }),
        };
        let customer = match take_object(&mut map, "customer")? {
            None => None,
            Some(mut c) => Some(CustomerInfo {
                given_name: take_str(&mut c, "givenName")?,
                surname: take_str(&mut c, "surname")?,
                email: take_str(&mut c, "email")?,
                merchant_customer_id: take_text(&mut c, "merchantCustomerId")?,
                extra: c,
            }),
        };
        let custom_parameters = match take_object(&mut map, "customParameters")? {
            None => BTreeMap::new(),
            Some(params) => {
                let mut out = BTreeMap::new();
                for (k, v) in params {
                    match scalar_text(&v) {
                        Some(Some(text)) => {
                            out.insert(k, text);
                        }
                        Some(None) => {}
                        None => {
                            return Err(ParseError::new(
                                "a `payload.customParameters` value is not text",
                            ));
                        }
                    }
                }
                out
            }
        };
        let timestamp = match take_str(&mut map, "timestamp")? {
            None => None,
            Some(t) => Some(
                parse_timestamp(&t)
                    .ok_or_else(|| ParseError::new("`payload.timestamp` is not a time"))?,
            ),
        };
        Ok(PaymentPayload {
            id,
            payment_type: take_str(&mut map, "paymentType")?.map(|t| PaymentType::from(t.as_str())),
            payment_brand: take_str(&mut map, "paymentBrand")?,
            amount,
            currency: take_str(&mut map, "currency")?,
            descriptor: take_str(&mut map, "descriptor")?,
            merchant_transaction_id: take_text(&mut map, "merchantTransactionId")?,
            result,
            card,
            customer,
            custom_parameters,
            timestamp,
            extra: map,
        })
    }
}

/// A JSON object's members, each kept as exact text.
fn object(bytes: &[u8], what: &str) -> Result<Extra, ParseError> {
    serde_json::from_slice::<Extra>(bytes)
        .map_err(|_| ParseError::new(format!("{what} is not a JSON object")))
}

/// An object member (`null` is `None`), removed from the map.
fn take_object(map: &mut Extra, key: &str) -> Result<Option<Extra>, ParseError> {
    match map.remove(key) {
        None => Ok(None),
        Some(raw) if raw.get() == "null" => Ok(None),
        Some(raw) => object(raw.get().as_bytes(), &format!("`payload.{key}`")).map(Some),
    }
}

/// A string member (`null` is `None`), removed from the map.
fn take_str(map: &mut Extra, key: &str) -> Result<Option<String>, ParseError> {
    match map.remove(key) {
        None => Ok(None),
        Some(raw) => Option::<String>::deserialize(&*raw)
            .map_err(|_| ParseError::new(format!("`{key}` is not a string"))),
    }
}

/// A string member that may also arrive as a number, removed from the map.
fn take_text(map: &mut Extra, key: &str) -> Result<Option<String>, ParseError> {
    match map.remove(key) {
        None => Ok(None),
        Some(raw) => {
            scalar_text(&raw).ok_or_else(|| ParseError::new(format!("`{key}` is not text")))
        }
    }
}

/// A string, number or boolean as text; `Some(None)` for `null`; `None`
/// for an array or object.
fn scalar_text(raw: &RawValue) -> Option<Option<String>> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text).ok().map(Some),
        Some(b'n') => Some(None),
        Some(b'{' | b'[') | None => None,
        // Numbers keep their digits as sent; booleans their word.
        Some(_) => Some(Some(text.to_owned())),
    }
}

/// `2015-12-07 16:46:07+0000`, with optional fractional seconds, or RFC 3339.
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    for format in ["%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f %z"] {
        if let Ok(at) = DateTime::<FixedOffset>::parse_from_str(t, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}
