//! Orders: a customer buying products, by one of four purchase types.
//!
//! Creates are `POST`s, so a create is never sent twice by accident: when
//! one fails in a way that leaves it unknown whether BillPro carried it out
//! (a timeout, a 502/503/504), the client first looks the order up by its
//! `invoice_id` among the orders created since it was sent
//! ([`Orders::find_by_invoice_id_since`]) and returns it if it exists; only
//! if it does not is the create sent again, within the retry policy. Use a
//! unique `invoice_id` per order for this to work.

use serde::Serialize;

use super::{OrderId, check_id, paginate};
use crate::error::LookupKey;
use crate::error::Result;
use crate::http::{Paginator, Request, Transport, Uniqueness};

mod lookup;
mod model;
mod request;

pub use lookup::Since;
pub(crate) use lookup::{Listed, Lookup};
pub use model::{Order, OrderCustomer, OrderProduct, OrderSource, OrderStatus, PaymentChannel};
pub(crate) use request::check_unit;
pub use request::{
    NewInstalmentOrder, NewMeteredOrder, NewSingleOrder, NewSubscriptionOrder, OrderLine, Schedule,
};

#[derive(Serialize)]
struct Wrapped<'a, T> {
    order: &'a T,
}

/// The orders endpoints, from [`Client::orders`](super::Client::orders).
///
/// Invalid order input is answered with 400 `{"error": "Bad Request"}`.
///
/// # Did it go through?
///
/// When a create fails, the error's
/// [`outcome`](crate::Error::outcome) says: `NotApplied`, no order was
/// made (a 400 `{"error": "Bad Request"}` usually means an unknown
/// `customer_id` or `product_id`, or a field the order type does not
/// take: check them with `customers().get` and `products().get`);
/// `Unknown`, it may exist. After an unknown outcome the client has
/// already looked for the order by its `invoice_id` among the orders
/// created since it was sent
/// ([`find_by_invoice_id_since`](Orders::find_by_invoice_id_since), which
/// cannot miss it) and returned it if found; otherwise the error is
/// [`Error::MayHaveLanded`](crate::Error::MayHaveLanded) with that key
/// and the time it was sent
/// ([`LookupKey::sent_at`](crate::LookupKey::sent_at)): look again with
/// both before creating the order again. It is never sent again unless
/// the retry policy opts in
/// ([`RetryPolicy::resend_unconfirmed_after`](crate::http::RetryPolicy::resend_unconfirmed_after)).
///
/// # Lookups that cannot miss
///
/// BillPro has no filter for `invoice_id` and does not document how it
/// sorts a list (pages of 25, bare arrays, no count), so a lookup reads the
/// list itself. It reads every page that can hold the record and none that
/// cannot, whatever the list's length and however many records were made
/// after the one sought:
///
/// - It learns the list's direction from the creation times on page 1 and
///   checks it on every page it reads.
/// - Oldest first: it finds the first page that ends at or after
///   [`Since::earliest`] (doubling the page number, then bisecting) and
///   reads from there to the end, [`Since::concurrency`] pages at a time.
///   New records are added at the end, so no record moves between pages.
/// - Newest first: it reads from page 1, one page after the other, until a
///   page ends before [`Since::earliest`]. New records are added at the
///   front and only push the others back, never past a page not yet read;
///   pages fetched at once could let one slip past, so these are fetched
///   in turn.
/// - A list out of creation order, or whose records lack `created_at`, is
///   read whole, one page after the other, from page 1.
///
/// It assumes what BillPro's API allows: records are added, never deleted
/// (a deletion while a lookup runs could move a record onto a page already
/// read). See [`find_by_invoice_id_since`](Self::find_by_invoice_id_since)
/// for what it costs.
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    transport: &'a Transport,
}

impl<'a> Orders<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Orders { transport }
    }

    /// The transport, for the waiters and feeds of `crate::watch`.
    pub(crate) fn transport(&self) -> &'a Transport {
        self.transport
    }

    async fn create<T: Serialize>(
        &self,
        path: &'static str,
        order: &T,
        invoice_id: &str,
    ) -> Result<Order> {
        let request = Request::post(path).json(&Wrapped { order });
        // Noted before the first send, so the order, if it lands, is no
        // older; the error's key carries the same time.
        let sent_at = self.transport.wall_clock();
        let since = Since::new(sent_at);
        self.transport
            .execute_create(
                request,
                LookupKey::new("invoice_id", invoice_id).with_sent_at(sent_at),
                Uniqueness::NotEnforced,
                || self.find_by_invoice_id_since(invoice_id, since),
            )
            .await
    }

    /// Creates a single-payment order
    /// (`POST /orders/create_single_order`, body `{"order": {…}}`).
    ///
    /// Never made twice by accident: see [did it go
    /// through?](Orders#did-it-go-through).
    ///
    /// ```no_run
    /// use billkit::billpro::{Client, NewSingleOrder, OrderLine};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let order = NewSingleOrder::new(42, "EUR", "INV-1001").product(OrderLine::new(7).qty(2));
    /// let order = billpro.orders().create_single_order(&order).await?;
    /// println!("order {} is {}", order.id, order.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_single_order(&self, order: &NewSingleOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_single_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// Creates an instalment order (`POST /orders/create_instalment_order`).
    ///
    /// Never made twice by accident: see [did it go
    /// through?](Orders#did-it-go-through).
    ///
    /// ```no_run
    /// use billkit::Decimal;
    /// use billkit::billpro::{Client, NewInstalmentOrder, OrderLine, Schedule};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let order = NewInstalmentOrder::new(42, "EUR", "INV-1002", OrderLine::new(3), 6, Schedule::monthly())
    ///     .initial_amount(Decimal::new(5000, 2));
    /// let order = billpro.orders().create_instalment_order(&order).await?;
    /// println!("order {} is {}", order.id, order.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_instalment_order(&self, order: &NewInstalmentOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_instalment_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// Creates a subscription order (`POST /orders/create_subscription_order`).
    ///
    /// Never made twice by accident: see [did it go
    /// through?](Orders#did-it-go-through).
    ///
    /// ```no_run
    /// use billkit::billpro::{Client, NewSubscriptionOrder, OrderLine, Schedule};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let order = NewSubscriptionOrder::new(42, "EUR", "INV-1003", OrderLine::new(4), Schedule::monthly());
    /// let order = billpro.orders().create_subscription_order(&order).await?;
    /// println!("order {} is {}", order.id, order.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_subscription_order(&self, order: &NewSubscriptionOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_subscription_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// Creates a metered order (`POST /orders/create_metered_order`).
    ///
    /// Never made twice by accident: see [did it go
    /// through?](Orders#did-it-go-through).
    ///
    /// ```no_run
    /// use billkit::billpro::{Client, NewMeteredOrder, OrderLine};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let order = NewMeteredOrder::new(42, "EUR", "INV-1004", OrderLine::new(5));
    /// let order = billpro.orders().create_metered_order(&order).await?;
    /// println!("order {} is {}", order.id, order.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_metered_order(&self, order: &NewMeteredOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_metered_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// One order by system id (`GET /orders/{id}`), of any order type.
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let order = billpro.orders().get(12).await?;
    /// println!("{:?} for {}", order.invoice_id, order.customer_id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<OrderId>) -> Result<Order> {
        let id = id.into();
        check_id("id", id.get())?;
        self.transport
            .execute(Request::get("/orders/{id}").param(id))
            .await
    }

    /// All orders, walked lazily 25 per page (`GET /orders?page=N`).
    ///
    /// ```no_run
    /// use billkit::TryStreamExt;
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let mut orders = billpro.orders().list().stream();
    /// while let Some(order) = orders.try_next().await? {
    ///     println!("{} {}", order.id, order.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> Paginator<Order> {
        paginate(self.transport, Request::<()>::get("/orders"))
    }

    /// The order whose `invoice_id` is `invoice_id`, wherever it is in the
    /// list: every page is read (BillPro has no filter for it). It cannot
    /// miss an order that exists; it costs one request per 25 orders, plus
    /// one, plus up to three pages past the end fetched at once when the
    /// list is oldest first (4,001 to 4,004 requests for 100,000 orders).
    ///
    /// After a create whose outcome is unknown, use
    /// [`find_by_invoice_id_since`](Self::find_by_invoice_id_since) with the
    /// error's [`LookupKey::sent_at`](crate::LookupKey::sent_at): it reads only the pages that can hold
    /// an order that new, a few dozen requests however long the list.
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// match billpro.orders().find_by_invoice_id("INV-1001").await? {
    ///     Some(order) => println!("INV-1001 is order {}", order.id),
    ///     None => println!("no order for INV-1001"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_invoice_id(&self, invoice_id: &str) -> Result<Option<Order>> {
        crate::validate::not_blank("invoice_id", invoice_id)?;
        let matches = |o: &Order| o.invoice_id.as_deref() == Some(invoice_id);
        Lookup::new(&self.list(), None, Since::DEFAULT_CONCURRENCY, matches)
            .run()
            .await
    }

    /// The order whose `invoice_id` is `invoice_id` created at or after
    /// [`since.earliest()`](Since::earliest) (by BillPro's clock), for a
    /// create whose outcome is unknown: pass the error's
    /// [`LookupKey::sent_at`](crate::LookupKey::sent_at) (always set on [`Error::MayHaveLanded`](crate::Error::MayHaveLanded)).
    /// `Ok(None)` means no such order exists: it cannot miss one, wherever
    /// it sits and however many orders were created after it (see [the
    /// module docs](Orders#lookups-that-cannot-miss) for how). An order
    /// created while the lookup runs may or may not be seen: while an
    /// attempt may still be on its way, finding nothing proves nothing.
    ///
    /// ```no_run
    /// # use billkit::billpro::{Client, NewSingleOrder, Order};
    /// # async fn run(client: Client, order: NewSingleOrder) -> billkit::Result<Order> {
    /// match client.orders().create_single_order(&order).await {
    ///     Ok(placed) => Ok(placed),
    ///     Err(err) => {
    ///         let Some((key, Some(sent_at))) = err.lookup_key().map(|k| (k, k.sent_at())) else {
    ///             return Err(err);
    ///         };
    ///         // Later (once no attempt can still be on its way):
    ///         match client.orders().find_by_invoice_id_since(key.value(), sent_at).await? {
    ///             Some(placed) => Ok(placed), // it landed: do not create it again
    ///             None => client.orders().create_single_order(&order).await,
    ///         }
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// Cost, for a list of `n` orders of which `m` were created at or after
    /// `since.earliest()`, with `c` = [`Since::concurrency`]:
    /// - oldest first (as the sandbox and, by observation, BillPro list):
    ///   at most `2·⌈log2(⌈n/25⌉ + 1)⌉ + ⌈m/25⌉ + c` requests; for `m` = 80
    ///   and the defaults, 20 for 1,000 orders, 26 for 10,000 and 32 for
    ///   100,000 (measured: 12 to 16, 18 to 22 and 24 to 28);
    /// - newest first: at most `⌈m/25⌉ + 1`, one after the other;
    /// - a list in neither order: the whole list, `⌈n/25⌉ + 1` requests one
    ///   after the other, on top of those already made.
    ///
    /// A larger [`Since::skew`] raises `m`. At most 10,000 pages are read;
    /// beyond that, or when the server answers every page with the same
    /// items, the lookup stops with [`Error::Pagination`](crate::Error::Pagination) rather than
    /// guessing.
    pub async fn find_by_invoice_id_since(
        &self,
        invoice_id: &str,
        since: impl Into<Since>,
    ) -> Result<Option<Order>> {
        crate::validate::not_blank("invoice_id", invoice_id)?;
        let since = since.into();
        let matches = |o: &Order| o.invoice_id.as_deref() == Some(invoice_id);
        Lookup::new(
            &self.list(),
            Some(since.earliest()),
            since.pages_at_once(),
            matches,
        )
        .run()
        .await
    }

    async fn action(&self, path: &'static str, id: OrderId) -> Result<Option<Order>> {
        check_id("id", id.get())?;
        self.transport.execute(Request::put(path).param(id)).await
    }

    /// Cancels or completes an order (`PUT /orders/{id}/cancel_order`): a
    /// preliminary order becomes cancelled, a live one complete. Returns
    /// the order when the server sends it back.
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// if let Some(order) = billpro.orders().cancel(12).await? {
    ///     println!("order 12 is now {}", order.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cancel(&self, id: impl Into<OrderId>) -> Result<Option<Order>> {
        self.action("/orders/{id}/cancel_order", id.into()).await
    }

    /// Pauses an active subscription (`PUT /orders/{id}/pause_order`).
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// billpro.orders().pause(12).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn pause(&self, id: impl Into<OrderId>) -> Result<Option<Order>> {
        self.action("/orders/{id}/pause_order", id.into()).await
    }

    /// Resumes a paused subscription, back to active or failed
    /// (`PUT /orders/{id}/resume_order`).
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// billpro.orders().resume(12).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn resume(&self, id: impl Into<OrderId>) -> Result<Option<Order>> {
        self.action("/orders/{id}/resume_order", id.into()).await
    }

    /// Renews the custom checkout of an order, which expires after 25
    /// minutes (`POST /order_checkouts/{id}`). The answer's shape is not
    /// documented, so it comes back as JSON (`null` for an empty body).
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let answer = billpro.orders().renew_checkout(12).await?;
    /// println!("{answer}");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn renew_checkout(&self, id: impl Into<OrderId>) -> Result<serde_json::Value> {
        let id = id.into();
        check_id("id", id.get())?;
        self.transport
            .execute(Request::post("/order_checkouts/{id}").param(id))
            .await
    }
}
