//! One lazy walk over the three page styles the APIs use.
//!
//! A [`Paginator`] describes a list (its first request and its
//! [`PageStyle`]); it yields items ([`Paginator::stream`]), whole pages
//! ([`Paginator::pages`]), everything at once ([`Paginator::collect_all`]) or
//! a single page ([`Paginator::page`]). Only one page is held in memory. A
//! server that sends the same page twice or never ends is stopped with
//! [`Error::Pagination`]. After any error the stream stays usable: polling it
//! again retries the page that failed, and [`Pages::cursor`] tells where the
//! walk stands so it can be resumed later with [`Paginator::start_at`].

use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{Request, Transport};
use crate::error::{Error, PaginationErrorKind, Result};

/// When an offset/limit walk ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum End {
    /// On a page with fewer items than asked for.
    ShortPage,
    /// Only on an empty page (for lists the server de-duplicates after
    /// applying the limit, where a short page proves nothing).
    EmptyPage,
}

/// How a list is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageStyle {
    /// `?page=N` (from 1) over a bare JSON array of a fixed size; the walk
    /// ends on a page shorter than `page_size` (an empty one included).
    PageNumber {
        /// The server's fixed page size.
        page_size: u32,
    },
    /// `?page=N&per_page=M` over Laravel's `{data, links, meta}` envelope;
    /// the walk ends when `meta.current_page` reaches `meta.last_page` or a
    /// page is empty.
    Laravel {
        /// Items per page to ask for; `None` leaves the server's default.
        per_page: Option<u32>,
    },
    /// `offset`/`limit` over an `{items, limit, offset}` envelope.
    OffsetLimit {
        /// Items per page to ask for.
        limit: u32,
        /// When the walk ends.
        end: End,
    },
}

/// A position in a list: the page to fetch next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cursor {
    /// A page number, from 1.
    Page(u64),
    /// An item offset, from 0.
    Offset(u64),
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cursor::Page(n) => write!(f, "page {n}"),
            Cursor::Offset(n) => write!(f, "offset {n}"),
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items, in the server's order.
    pub items: Vec<T>,
    /// Where this page was fetched from.
    pub cursor: Cursor,
    /// The next page, `None` when this one is the last.
    pub next: Option<Cursor>,
    /// The number of items in the whole list, when the server says.
    pub total: Option<u64>,
    /// The number of the last page, when the server says.
    pub last_page: Option<u64>,
}

impl<T> Page<T> {
    /// Whether this is the last page.
    pub fn is_last(&self) -> bool {
        self.next.is_none()
    }
}

/// A list, ready to be walked.
pub struct Paginator<T> {
    transport: Transport,
    request: Request<()>,
    style: PageStyle,
    start: Cursor,
    max_pages: u32,
    _item: PhantomData<fn() -> T>,
}

impl<T> Clone for Paginator<T> {
    fn clone(&self) -> Self {
        Paginator {
            transport: self.transport.clone(),
            request: self.request.clone(),
            style: self.style,
            start: self.start,
            max_pages: self.max_pages,
            _item: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("request", &self.request)
            .field("style", &self.style)
            .field("start", &self.start)
            .field("max_pages", &self.max_pages)
            .finish()
    }
}

/// The default cap on pages in one walk.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

impl<T: DeserializeOwned + Send + 'static> Paginator<T> {
    /// A list whose first request is `request` (its filters are kept on
    /// every page; the paging parameters are set by the walk).
    pub fn new<R>(transport: Transport, request: Request<R>, style: PageStyle) -> Self {
        let start = match style {
            PageStyle::OffsetLimit { .. } => Cursor::Offset(0),
            _ => Cursor::Page(1),
        };
        Paginator {
            transport,
            request: request.with_response(),
            style,
            start,
            max_pages: DEFAULT_MAX_PAGES,
            _item: PhantomData,
        }
    }

    /// Items per page to ask for. Ignored by lists whose page size the
    /// server fixes (BillPro's 25); `0` is taken as `1`.
    pub fn per_page(mut self, n: u32) -> Self {
        let n = n.max(1);
        match &mut self.style {
            PageStyle::Laravel { per_page } => *per_page = Some(n),
            PageStyle::OffsetLimit { limit, .. } => *limit = n,
            PageStyle::PageNumber { .. } => {}
        }
        self
    }

    /// Stops a walk with [`Error::Pagination`] after this many pages
    /// (default 10 000).
    pub fn max_pages(mut self, n: u32) -> Self {
        self.max_pages = n.max(1);
        self
    }

    /// Starts the walk at `cursor`, e.g. the [`Pages::cursor`] of a walk
    /// that failed.
    pub fn start_at(mut self, cursor: Cursor) -> Self {
        self.start = cursor;
        self
    }

    /// The paging style.
    pub fn style(&self) -> PageStyle {
        self.style
    }

    /// The first request, before paging parameters are added.
    pub fn request(&self) -> &Request<()> {
        &self.request
    }

    /// Fetches page `number` (from 1) alone; for offset lists that is the
    /// page at offset `(number - 1) * limit`.
    pub async fn page(&self, number: u64) -> Result<Page<T>> {
        let cursor = match self.style {
            PageStyle::OffsetLimit { limit, .. } => {
                Cursor::Offset(number.saturating_sub(1).saturating_mul(u64::from(limit)))
            }
            _ => Cursor::Page(number.max(1)),
        };
        self.fetch(cursor).await
    }

    /// Fetches the page at `cursor` alone.
    pub async fn fetch(&self, cursor: Cursor) -> Result<Page<T>> {
        fetch_page(&self.transport, &self.request, self.style, cursor)
            .await
            .map(|(page, _)| page)
    }

    /// The pages, lazily, one request each.
    pub fn pages(self) -> Pages<T> {
        Pages {
            next: Some(self.start),
            fetched: 0,
            last_hash: None,
            in_flight: None,
            paginator: self,
        }
    }

    /// The items, lazily, with one page in memory.
    pub fn stream(self) -> Items<T> {
        Items {
            pages: self.pages(),
            buffer: Vec::new().into_iter(),
        }
    }

    /// Every item of every page.
    pub async fn collect_all(self) -> Result<Vec<T>> {
        let mut pages = self.pages();
        let mut all = Vec::new();
        while let Some(page) = futures_util::StreamExt::next(&mut pages).await {
            all.extend(page?.items);
        }
        Ok(all)
    }
}

#[derive(Deserialize)]
struct LaravelPage<T> {
    data: Vec<T>,
    #[serde(default)]
    meta: Option<LaravelMeta>,
}

#[derive(Deserialize)]
struct LaravelMeta {
    #[serde(default, with = "crate::lenient::int_opt")]
    current_page: Option<u64>,
    #[serde(default, with = "crate::lenient::int_opt")]
    last_page: Option<u64>,
    #[serde(default, with = "crate::lenient::int_opt")]
    total: Option<u64>,
}

#[derive(Deserialize)]
struct ItemsPage<T> {
    items: Vec<T>,
}

async fn fetch_page<T: DeserializeOwned>(
    transport: &Transport,
    template: &Request<()>,
    style: PageStyle,
    cursor: Cursor,
) -> Result<(Page<T>, u64)> {
    let mut req = template.clone();
    let (number, offset) = match (style, cursor) {
        (PageStyle::OffsetLimit { .. }, Cursor::Offset(o)) => (0, o),
        (PageStyle::OffsetLimit { limit, .. }, Cursor::Page(n)) => {
            (0, n.saturating_sub(1).saturating_mul(u64::from(limit)))
        }
        (_, Cursor::Page(n)) => (n.max(1), 0),
        (_, Cursor::Offset(_)) => {
            return Err(Error::invalid_input(
                "cursor",
                "this list is paged by page number, not by offset",
            ))
        }
    };
    match style {
        PageStyle::PageNumber { .. } => req.set_query("page", number),
        PageStyle::Laravel { per_page } => {
            req.set_query("page", number);
            if let Some(n) = per_page {
                req.set_query("per_page", n);
            }
        }
        PageStyle::OffsetLimit { limit, .. } => {
            req.set_query("offset", offset);
            req.set_query("limit", limit);
        }
    }
    let raw = transport.send(&req).await?;
    let hash = items_hash(&raw.body, style);
    let page = match style {
        PageStyle::PageNumber { page_size } => {
            let items: Vec<T> = raw.decode()?;
            let next = (items.len() >= page_size as usize).then_some(Cursor::Page(number + 1));
            Page {
                items,
                cursor: Cursor::Page(number),
                next,
                total: None,
                last_page: None,
            }
        }
        PageStyle::Laravel { per_page } => {
            let body: LaravelPage<T> = raw.decode()?;
            let (last_page, total) = body
                .meta
                .as_ref()
                .map_or((None, None), |m| (m.last_page, m.total));
            let current = body
                .meta
                .as_ref()
                .and_then(|m| m.current_page)
                .unwrap_or(number);
            let more = match last_page {
                Some(last) => current < last,
                None => per_page.is_none_or(|n| body.data.len() >= n as usize),
            };
            let next = (more && !body.data.is_empty()).then_some(Cursor::Page(number + 1));
            Page {
                items: body.data,
                cursor: Cursor::Page(number),
                next,
                total,
                last_page,
            }
        }
        PageStyle::OffsetLimit { limit, end } => {
            let body: ItemsPage<T> = raw.decode()?;
            let more = match end {
                End::ShortPage => body.items.len() >= limit as usize,
                End::EmptyPage => !body.items.is_empty(),
            };
            let next = more.then_some(Cursor::Offset(offset + u64::from(limit)));
            Page {
                items: body.items,
                cursor: Cursor::Offset(offset),
                next,
                total: None,
                last_page: None,
            }
        }
    };
    Ok((page, hash))
}

/// A hash of the page's items alone: Laravel's `meta` and Billy's echoed
/// `offset` change from page to page even when the server repeats the
/// same items, so hashing the whole body would never see a repeat.
fn items_hash(body: &[u8], style: PageStyle) -> u64 {
    #[derive(Deserialize)]
    struct Parts<'a> {
        #[serde(borrow, default)]
        data: Option<&'a serde_json::value::RawValue>,
        #[serde(borrow, default)]
        items: Option<&'a serde_json::value::RawValue>,
    }
    let part = match style {
        PageStyle::PageNumber { .. } => None,
        PageStyle::Laravel { .. } | PageStyle::OffsetLimit { .. } => {
            serde_json::from_slice::<Parts<'_>>(body)
                .ok()
                .and_then(|p| p.data.or(p.items))
                .map(|raw| raw.get().as_bytes())
        }
    };
    let mut hasher = DefaultHasher::new();
    part.unwrap_or(body).hash(&mut hasher);
    hasher.finish()
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<(Page<T>, u64)>> + Send>>;

/// A lazy stream of pages. After an error, polling again retries the page
/// that failed.
pub struct Pages<T> {
    paginator: Paginator<T>,
    next: Option<Cursor>,
    fetched: u32,
    last_hash: Option<u64>,
    in_flight: Option<PageFuture<T>>,
}

impl<T> Unpin for Pages<T> {}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("next", &self.next)
            .field("fetched", &self.fetched)
            .finish_non_exhaustive()
    }
}

impl<T> Pages<T> {
    /// The page the walk fetches next (after an error: the page that
    /// failed); `None` once the walk has ended.
    pub fn cursor(&self) -> Option<Cursor> {
        self.next
    }

    /// How many pages have been fetched.
    pub fn pages_fetched(&self) -> u32 {
        self.fetched
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(fut) = this.in_flight.as_mut() {
                let result = std::task::ready!(fut.as_mut().poll(cx));
                this.in_flight = None;
                let (page, hash) = match result {
                    Ok(v) => v,
                    Err(e) => return Poll::Ready(Some(Err(e))),
                };
                if this.last_hash == Some(hash) && !page.items.is_empty() {
                    let err = this.stop(page.cursor, PaginationErrorKind::RepeatedPage);
                    return Poll::Ready(Some(Err(err)));
                }
                this.last_hash = Some(hash);
                this.fetched += 1;
                this.next = page.next;
                return Poll::Ready(Some(Ok(page)));
            }
            let Some(cursor) = this.next else {
                return Poll::Ready(None);
            };
            if this.fetched >= this.paginator.max_pages {
                let kind = PaginationErrorKind::TooManyPages {
                    max_pages: this.paginator.max_pages,
                };
                let err = this.stop(cursor, kind);
                return Poll::Ready(Some(Err(err)));
            }
            let transport = this.paginator.transport.clone();
            let request = this.paginator.request.clone();
            let style = this.paginator.style;
            this.in_flight = Some(Box::pin(async move {
                fetch_page(&transport, &request, style, cursor).await
            }));
        }
    }
}

impl<T> Pages<T> {
    fn stop(&mut self, at: Cursor, kind: PaginationErrorKind) -> Error {
        self.next = None;
        let request = &self.paginator.request;
        Error::Pagination {
            method: request.method().clone(),
            path: self
                .paginator
                .transport
                .url_for(request)
                .map(|u| u.path().to_owned())
                .unwrap_or_else(|_| request.template().to_owned()),
            position: at.to_string(),
            kind,
        }
    }
}

/// A lazy stream of items, one page in memory. After an error, polling again
/// retries the page that failed.
pub struct Items<T> {
    pages: Pages<T>,
    buffer: std::vec::IntoIter<T>,
}

impl<T> Unpin for Items<T> {}

impl<T> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T> Items<T> {
    /// The page the walk fetches once the buffered items are used up
    /// (after an error: the page that failed); `None` at the end.
    pub fn cursor(&self) -> Option<Cursor> {
        self.pages.cursor()
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.buffer = page.items.into_iter(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}
