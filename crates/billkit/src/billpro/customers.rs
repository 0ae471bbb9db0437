//! Customers: the people and organisations orders are made for.
//!
//! BillPro removes every address a customer update does not resend, so
//! [`CustomerUpdate`] cannot be built without saying what happens to each
//! address: start from [`CustomerUpdate::keeping_addresses_of`] (keeps
//! them as they are) or [`CustomerUpdate::new`] (decide each one).

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};

use super::orders::{Listed, Lookup, Since};
use super::{CustomerId, check_id, paginate};
use crate::error::{Error, LookupKey, Result};
use crate::http::{Paginator, Request, Transport, Uniqueness};

/// A customer as BillPro returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Customer {
    /// The system id; orders refer to the customer by this id.
    pub id: CustomerId,
    /// The merchant customer id, a 10-character code BillPro generates
    /// (read-only).
    #[serde(with = "crate::lenient::string")]
    pub customer_id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Date of birth (`DD/MM/YYYY` on the wire).
    #[serde(default, with = "crate::lenient::dmy_date_opt")]
    pub date_of_birth: Option<NaiveDate>,
    /// E-mail address.
    pub email: String,
    /// Mobile phone in E.164 form (`+447700900123`).
    #[serde(default)]
    pub phone: Option<String>,
    /// The customer's organisation, if any.
    #[serde(default)]
    pub organisation: Option<Organisation>,
    /// Billing and shipping addresses.
    #[serde(default)]
    pub addresses: Addresses,
    /// When the customer was created.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the customer was last changed.
    #[serde(with = "crate::lenient::timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl Listed for Customer {
    fn list_id(&self) -> u64 {
        self.id.get()
    }
    fn listed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.created_at)
    }
}

/// Whether `a` and `b` are one e-mail address (or name) as BillPro
/// compares them: case and surrounding blanks aside.
fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// A customer's organisation, sent on create and returned with timestamps.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Organisation {
    /// The organisation's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Company registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    /// Web site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
    /// VAT number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was created (returned only; never sent).
    #[serde(default, skip_serializing, with = "crate::lenient::timestamp_opt")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last changed (returned only; never sent).
    #[serde(default, skip_serializing, with = "crate::lenient::timestamp_opt")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl Organisation {
    /// An organisation called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Organisation {
            name: Some(name.into()),
            ..Organisation::default()
        }
    }

    /// Company registration number.
    pub fn registration_number(mut self, v: impl Into<String>) -> Self {
        self.registration_number = Some(v.into());
        self
    }

    /// Web site.
    pub fn web_url(mut self, v: impl Into<String>) -> Self {
        self.web_url = Some(v.into());
        self
    }

    /// VAT number.
    pub fn vat(mut self, v: impl Into<String>) -> Self {
        self.vat = Some(v.into());
        self
    }

    /// Free text.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }

    fn validate(&self) -> Result<()> {
        match &self.name {
            Some(n) => crate::validate::not_blank("organisation.name", n),
            None => Err(Error::invalid_input("organisation.name", "is required")),
        }
    }
}

/// A customer's billing and shipping addresses.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Addresses {
    /// Where invoices go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    /// Where goods go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<Address>,
}

/// A postal address, sent on create and update and returned with
/// timestamps.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Address {
    /// Street and number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State, county or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country code (`GB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// When it was created (returned only; never sent).
    #[serde(default, skip_serializing, with = "crate::lenient::timestamp_opt")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last changed (returned only; never sent).
    #[serde(default, skip_serializing, with = "crate::lenient::timestamp_opt")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl Address {
    /// An address; `country` is an ISO 3166-1 alpha-2 code such as `GB`.
    pub fn new(
        street: impl Into<String>,
        city: impl Into<String>,
        country: impl Into<String>,
        postal_code: impl Into<String>,
    ) -> Self {
        Address {
            street: Some(street.into()),
            city: Some(city.into()),
            country: Some(country.into()),
            postal_code: Some(postal_code.into()),
            ..Address::default()
        }
    }

    /// State, county or region.
    pub fn state(mut self, v: impl Into<String>) -> Self {
        self.state = Some(v.into());
        self
    }

    /// Checks a new address: street, city, country and postal code present,
    /// country ISO-2.
    fn validate_new(&self, field: &str) -> Result<()> {
        for (name, value) in [
            ("street", &self.street),
            ("city", &self.city),
            ("country", &self.country),
            ("postal_code", &self.postal_code),
        ] {
            match value {
                Some(v) => crate::validate::not_blank(&format!("{field}.{name}"), v)?,
                None => {
                    return Err(Error::invalid_input(
                        format!("{field}.{name}"),
                        "is required",
                    ));
                }
            }
        }
        self.validate_country(field)
    }

    /// Checks only the country's form: addresses resent from a customer may
    /// lack fields BillPro let them lack.
    fn validate_country(&self, field: &str) -> Result<()> {
        match self.country.as_deref() {
            Some(c) if !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())) => {
                Err(Error::invalid_input(
                    format!("{field}.country"),
                    format!("`{c}` is not an ISO 3166-1 alpha-2 code such as GB"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A new customer for [`Customers::create`], sent as `{"customer": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCustomer {
    first_name: String,
    last_name: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::lenient::dmy_date_opt"
    )]
    date_of_birth: Option<NaiveDate>,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organisation: Option<Organisation>,
    #[serde(skip_serializing_if = "addresses_empty")]
    addresses: Addresses,
}

fn addresses_empty(a: &Addresses) -> bool {
    a.billing_address.is_none() && a.shipping_address.is_none()
}

impl NewCustomer {
    /// A customer with the fields BillPro requires.
    pub fn new(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        NewCustomer {
            first_name: first_name.into(),
            last_name: last_name.into(),
            date_of_birth: None,
            email: email.into(),
            phone: None,
            organisation: None,
            addresses: Addresses::default(),
        }
    }

    /// Date of birth (sent as `DD/MM/YYYY`).
    pub fn date_of_birth(mut self, date: NaiveDate) -> Self {
        self.date_of_birth = Some(date);
        self
    }

    /// Mobile phone in E.164 form: `+`, country code and number
    /// (`+447700900123`). BillPro also checks it fits the country code.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// The customer's organisation.
    pub fn organisation(mut self, organisation: Organisation) -> Self {
        self.organisation = Some(organisation);
        self
    }

    /// Billing address.
    pub fn billing_address(mut self, address: Address) -> Self {
        self.addresses.billing_address = Some(address);
        self
    }

    /// Shipping address.
    pub fn shipping_address(mut self, address: Address) -> Self {
        self.addresses.shipping_address = Some(address);
        self
    }

    /// Checks the customer before sending.
    pub(crate) fn validate(&self) -> Result<()> {
        crate::validate::not_blank("first_name", &self.first_name)?;
        crate::validate::not_blank("last_name", &self.last_name)?;
        crate::validate::email("email", &self.email)?;
        if let Some(p) = &self.phone {
            check_phone(p)?;
        }
        if let Some(o) = &self.organisation {
            o.validate()?;
        }
        if let Some(a) = &self.addresses.billing_address {
            a.validate_new("addresses.billing_address")?;
        }
        if let Some(a) = &self.addresses.shipping_address {
            a.validate_new("addresses.shipping_address")?;
        }
        Ok(())
    }
}

/// E.164: `+` then 6 to 15 digits, nothing else.
pub(crate) fn check_phone(phone: &str) -> Result<()> {
    let digits = phone.strip_prefix('+').unwrap_or("");
    if (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "phone",
            format!("`{phone}` is not an E.164 number: `+`, country code and number, digits only"),
        ))
    }
}

/// What a [`CustomerUpdate`] does with one address. BillPro deletes an
/// address an update does not resend, so there is no "leave unchanged".
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AddressUpdate {
    /// Send this address: the customer keeps (or gets) it.
    Set(Address),
    /// Do not send it: BillPro removes the address.
    Remove,
}

/// A change to a customer for [`Customers::update`], sent as
/// `{"customer": {…}}`. Fields not set are not sent and stay as they are —
/// except addresses, which BillPro removes unless resent; both constructors
/// make you decide about them.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerUpdate {
    first_name: Option<String>,
    last_name: Option<String>,
    date_of_birth: Option<NaiveDate>,
    email: Option<String>,
    phone: Option<String>,
    organisation: Option<Organisation>,
    billing_address: AddressUpdate,
    shipping_address: AddressUpdate,
}

impl CustomerUpdate {
    /// An update that sets (or removes) each address as given.
    pub fn new(billing_address: AddressUpdate, shipping_address: AddressUpdate) -> Self {
        CustomerUpdate {
            first_name: None,
            last_name: None,
            date_of_birth: None,
            email: None,
            phone: None,
            organisation: None,
            billing_address,
            shipping_address,
        }
    }

    /// An update that resends every address `customer` has now, so none is
    /// lost; change one with [`billing_address`](Self::billing_address) or
    /// [`shipping_address`](Self::shipping_address).
    pub fn keeping_addresses_of(customer: &Customer) -> Self {
        let keep = |a: &Option<Address>| match a {
            Some(a) => AddressUpdate::Set(a.clone()),
            None => AddressUpdate::Remove,
        };
        Self::new(
            keep(&customer.addresses.billing_address),
            keep(&customer.addresses.shipping_address),
        )
    }

    /// New first name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }

    /// New last name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }

    /// New date of birth.
    pub fn date_of_birth(mut self, v: NaiveDate) -> Self {
        self.date_of_birth = Some(v);
        self
    }

    /// New e-mail address.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }

    /// New phone (E.164).
    pub fn phone(mut self, v: impl Into<String>) -> Self {
        self.phone = Some(v.into());
        self
    }

    /// New organisation details.
    pub fn organisation(mut self, v: Organisation) -> Self {
        self.organisation = Some(v);
        self
    }

    /// What to do with the billing address.
    pub fn billing_address(mut self, v: AddressUpdate) -> Self {
        self.billing_address = v;
        self
    }

    /// What to do with the shipping address.
    pub fn shipping_address(mut self, v: AddressUpdate) -> Self {
        self.shipping_address = v;
        self
    }

    /// Checks the update before sending.
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(v) = &self.first_name {
            crate::validate::not_blank("first_name", v)?;
        }
        if let Some(v) = &self.last_name {
            crate::validate::not_blank("last_name", v)?;
        }
        if let Some(v) = &self.email {
            crate::validate::email("email", v)?;
        }
        if let Some(v) = &self.phone {
            check_phone(v)?;
        }
        if let Some(o) = &self.organisation {
            o.validate()?;
        }
        if let AddressUpdate::Set(a) = &self.billing_address {
            a.validate_country("addresses.billing_address")?;
        }
        if let AddressUpdate::Set(a) = &self.shipping_address {
            a.validate_country("addresses.shipping_address")?;
        }
        Ok(())
    }

    fn body(&self) -> UpdateBody<'_> {
        let set = |a: &'_ AddressUpdate| match a {
            AddressUpdate::Set(a) => Some(a.clone()),
            AddressUpdate::Remove => None,
        };
        UpdateBody {
            first_name: self.first_name.as_deref(),
            last_name: self.last_name.as_deref(),
            date_of_birth: self.date_of_birth,
            email: self.email.as_deref(),
            phone: self.phone.as_deref(),
            organisation: self.organisation.as_ref(),
            addresses: Addresses {
                billing_address: set(&self.billing_address),
                shipping_address: set(&self.shipping_address),
            },
        }
    }
}

#[derive(Serialize)]
struct UpdateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::lenient::dmy_date_opt"
    )]
    date_of_birth: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organisation: Option<&'a Organisation>,
    /// Always sent: an address left out is deleted.
    addresses: Addresses,
}

#[derive(Serialize)]
struct Wrapped<T> {
    customer: T,
}

/// The customers endpoints, from [`Client::customers`](super::Client::customers).
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    transport: &'a Transport,
}

impl<'a> Customers<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Customers { transport }
    }

    /// Creates a customer (`POST /customers`, body `{"customer": {…}}`).
    /// Invalid data comes back as 422 with a field map such as
    /// `{"phone": ["is invalid"]}` ([`Error::validation_errors`]).
    ///
    /// Never made twice by accident. BillPro generates the merchant
    /// `customer_id` and does not refuse a second customer with the same
    /// e-mail, so when the outcome is unknown (a timeout, a 502/503/504)
    /// the client looks among the customers created since the create was
    /// sent for one with the same e-mail, first and last name
    /// ([`find_by_email_since`](Self::find_by_email_since) reads the same
    /// pages; it cannot miss) and returns it if there. Otherwise the error is
    /// [`Error::MayHaveLanded`] with the e-mail and the time it was sent
    /// ([`LookupKey::sent_at`]): look again with
    /// [`find_by_email_since`](Self::find_by_email_since) before creating
    /// the customer again. It is not sent again unless the retry policy
    /// opts in
    /// ([`RetryPolicy::resend_unconfirmed_after`](crate::http::RetryPolicy::resend_unconfirmed_after)).
    ///
    /// ```no_run
    /// use billkit::billpro::{Client, NewCustomer};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let new = NewCustomer::new("Dana", "Borys", "dana@example.com").phone("+447700900123");
    /// let customer = billpro.customers().create(&new).await?;
    /// println!("created {} ({})", customer.id, customer.customer_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, customer: &NewCustomer) -> Result<Customer> {
        customer.validate()?;
        // Noted before the first send: the customer, if made, is no older.
        let sent_at = self.transport.wall_clock();
        let since = Since::new(sent_at);
        // Names compared as loosely as e-mails: a server that tidies them
        // must not turn a landed create into an unknown one.
        let matches = |c: &Customer| {
            same_text(&c.email, &customer.email)
                && same_text(&c.first_name, &customer.first_name)
                && same_text(&c.last_name, &customer.last_name)
        };
        let list = self.list();
        self.transport
            .execute_create(
                Request::post("/customers").json(&Wrapped { customer }),
                LookupKey::new("email", &customer.email).with_sent_at(sent_at),
                Uniqueness::NotEnforced,
                || {
                    Lookup::new(
                        &list,
                        Some(since.earliest()),
                        since.pages_at_once(),
                        matches,
                    )
                    .run()
                },
            )
            .await
    }

    /// The first customer listed with e-mail `email` (case aside), wherever
    /// it is in the list: every page is read (BillPro filters customers by
    /// merchant `customer_id` only). It cannot miss one that exists; it
    /// costs one request per 25 customers, plus one, plus up to three pages
    /// past the end fetched at once when the list is oldest first.
    ///
    /// After a create whose outcome is unknown, use
    /// [`find_by_email_since`](Self::find_by_email_since) with the error's
    /// [`LookupKey::sent_at`]: it reads only the pages that can hold a
    /// customer that new.
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// if let Some(customer) = billpro.customers().find_by_email("dana@example.com").await? {
    ///     println!("dana is customer {}", customer.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_email(&self, email: &str) -> Result<Option<Customer>> {
        crate::validate::not_blank("email", email)?;
        let matches = |c: &Customer| same_text(&c.email, email);
        Lookup::new(&self.list(), None, Since::DEFAULT_CONCURRENCY, matches)
            .run()
            .await
    }

    /// The first customer listed with e-mail `email` (case aside) created
    /// at or after [`since.earliest()`](Since::earliest), for a create whose
    /// outcome is unknown: pass the error's [`LookupKey::sent_at`].
    /// `Ok(None)` means there is none: it cannot miss one, wherever it sits
    /// and however many customers were created after it. It reads the list
    /// as [`Orders::find_by_invoice_id_since`](super::Orders::find_by_invoice_id_since)
    /// does, at the same cost (see there): with 80 customers created since,
    /// at most 20 requests in a list of 1,000 and 32 in one of 100,000.
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client, new: billkit::billpro::NewCustomer) -> billkit::Result<()> {
    /// let customer = match billpro.customers().create(&new).await {
    ///     Ok(customer) => customer,
    ///     Err(e) => match (e.lookup_key(), e.lookup_key().and_then(|k| k.sent_at())) {
    ///         (Some(key), Some(sent_at)) => {
    ///             match billpro.customers().find_by_email_since(key.value(), sent_at).await? {
    ///                 Some(found) => found, // the first attempt landed
    ///                 None => return Err(e), // it did not: safe to create again later
    ///             }
    ///         }
    ///         _ => return Err(e),
    ///     },
    /// };
    /// # let _ = customer; Ok(()) }
    /// ```
    pub async fn find_by_email_since(
        &self,
        email: &str,
        since: impl Into<Since>,
    ) -> Result<Option<Customer>> {
        crate::validate::not_blank("email", email)?;
        let since = since.into();
        let matches = |c: &Customer| same_text(&c.email, email);
        Lookup::new(
            &self.list(),
            Some(since.earliest()),
            since.pages_at_once(),
            matches,
        )
        .run()
        .await
    }

    /// One customer by system id (`GET /customers/{id}`).
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let customer = billpro.customers().get(42).await?;
    /// println!("{} {}", customer.first_name, customer.last_name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<CustomerId>) -> Result<Customer> {
        let id = id.into();
        check_id("id", id.get())?;
        self.transport
            .execute(Request::get("/customers/{id}").param(id))
            .await
    }

    /// All customers, walked lazily 25 per page (`GET /customers?page=N`).
    ///
    /// ```no_run
    /// use billkit::TryStreamExt;
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let mut customers = billpro.customers().list().stream();
    /// while let Some(customer) = customers.try_next().await? {
    ///     println!("{} {}", customer.id, customer.email);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> Paginator<Customer> {
        paginate(self.transport, Request::<()>::get("/customers"))
    }

    /// The customer whose merchant customer id is `customer_id`
    /// (`GET /customers?customer_id=…&page=N`). BillPro generates that id,
    /// one per customer, and filters on it, so one request finds it; a
    /// server that ignored the filter would have every page read, so the
    /// answer cannot miss either way. A blank id is refused before sending.
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// if let Some(customer) = billpro.customers().find_by_customer_id("C7Q2M9X4KD").await? {
    ///     println!("system id {}", customer.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_customer_id(&self, customer_id: &str) -> Result<Option<Customer>> {
        crate::validate::not_blank("customer_id", customer_id)?;
        let mut customers = paginate::<Customer>(
            self.transport,
            Request::<()>::get("/customers").query("customer_id", customer_id.to_owned()),
        )
        .stream();
        while let Some(customer) = customers.try_next().await? {
            if customer.customer_id == customer_id {
                return Ok(Some(customer));
            }
        }
        Ok(None)
    }

    /// Changes a customer (`PUT /customers/{id}`, body `{"customer": {…}}`).
    /// The addresses `update` sets are resent; the others are removed.
    ///
    /// ```no_run
    /// use billkit::billpro::{Client, CustomerUpdate};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let customer = billpro.customers().get(42).await?;
    /// let update = CustomerUpdate::keeping_addresses_of(&customer).phone("+447700900456");
    /// let customer = billpro.customers().update(customer.id, &update).await?;
    /// println!("{:?}", customer.phone);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<CustomerId>,
        update: &CustomerUpdate,
    ) -> Result<Customer> {
        let id = id.into();
        check_id("id", id.get())?;
        update.validate()?;
        self.transport
            .execute(Request::put("/customers/{id}").param(id).json(&Wrapped {
                customer: update.body(),
            }))
            .await
    }
}
