//! One lazy walk over any paged list.
//!
//! A [`Paginator`] describes a list (its first request, its [`PageStyle`]
//! and the API's [`PageScheme`]); it yields items ([`Paginator::stream`]), whole pages
//! ([`Paginator::pages`]), everything at once ([`Paginator::collect_all`]) or
//! a single page ([`Paginator::page`]). While the caller works on one page
//! the next is fetched in the background ([`Paginator::prefetch`], default
//! one page ahead); where the number of pages is known up front, several
//! can be fetched at once ([`Paginator::concurrency`]). A walk holds at most
//! the page being read and the pages fetched ahead. A server that sends the
//! same page twice or never ends is stopped with [`Error::Pagination`].
//! After any error the stream stays usable: polling it again retries the
//! page that failed, and [`Pages::cursor`] tells where the walk stands so
//! it can be resumed later with [`Paginator::start_at`]; a walk's
//! [`checkpoint`](Items::checkpoint) serialises with serde and resumes in
//! another process with [`Paginator::resume`].
//!
//! Lists whose order the walk knows ([`Paginator::ordered`]: every list of
//! billkit's APIs) are walked by key, not only by position: the walk drops
//! what it already yielded, so records created at the head of a
//! newest-first list while it runs repeat nothing, and a resumed walk
//! yields every item that existed when the walk began exactly once, even
//! when records were created, or up to a page deleted, between stop and
//! resume. Two things offset paging cannot see: a record deleted while a
//! walk runs can move an unread item onto a page already read, and with
//! [`concurrency`](Paginator::concurrency) above 1 a record created while
//! pages are fetched side by side can do the same. The walk reports how
//! far it is ([`Items::yielded`]) and the list's size where the server
//! says ([`Items::total`]).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::dialect::{PageScheme, SchemeFns};
use super::walk_key::{self, ItemKey, Keying, ListOrder, WalkMark};
use super::{Request, Transport};
use crate::error::{Error, PaginationErrorKind, Result};

/// When an offset/limit walk ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[non_exhaustive]
pub enum End {
    /// On a page with fewer items than asked for.
    ShortPage,
    /// Only on an empty page (for lists the server de-duplicates after
    /// applying the limit, where a short page proves nothing).
    EmptyPage,
}

/// How a list counts its pages, how big they are and where it ends. The
/// query parameters and the envelope are the API's [`PageScheme`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[non_exhaustive]
pub enum PageStyle {
    /// Pages numbered from 1, of a size the server fixes; the walk ends on
    /// a page shorter than `page_size` (an empty one included).
    PageNumber {
        /// The server's fixed page size.
        page_size: u32,
    },
    /// Pages numbered from 1, of a size the caller may ask for; the walk
    /// ends when the page's number reaches the last page's (where the
    /// envelope says), on a page shorter than `per_page` (where it does
    /// not), or on an empty page.
    // The name checkpoints saved by billkit 0.1 carry.
    #[serde(alias = "Laravel")]
    PageNumberSized {
        /// Items per page to ask for; `None` leaves the server's default.
        per_page: Option<u32>,
    },
    /// Pages by item offset (from 0) and a limit.
    OffsetLimit {
        /// Items per page to ask for.
        limit: u32,
        /// When the walk ends.
        end: End,
    },
}

/// A position in a list: the page to fetch next. Serialises with serde, to
/// be saved and given back to [`Paginator::start_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, Deserialize)]
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
    scheme: SchemeFns<T>,
    start: Cursor,
    skip: u64,
    ended: bool,
    max_pages: u32,
    prefetch: usize,
    concurrency: usize,
    /// How items are placed in the list, for exactly-once resumption.
    keying: Option<Keying<T>>,
    /// The last place yielded before a keyed resumption.
    mark: Option<WalkMark>,
    /// Items yielded by the walks this one resumes.
    yielded: u64,
    /// Whether the caller chose the page size.
    size_set: bool,
    /// Whether a checkpoint fixed the page size.
    size_fixed: bool,
    /// A page size asked for after a checkpoint fixed another one.
    size_conflict: Option<u32>,
    /// Input the list refused before sending: (field, message).
    invalid: Option<(String, String)>,
    _item: PhantomData<fn() -> T>,
}

impl<T> Clone for Paginator<T> {
    fn clone(&self) -> Self {
        Paginator {
            transport: self.transport.clone(),
            request: self.request.clone(),
            style: self.style,
            scheme: self.scheme,
            start: self.start,
            skip: self.skip,
            ended: self.ended,
            max_pages: self.max_pages,
            prefetch: self.prefetch,
            concurrency: self.concurrency,
            keying: self.keying,
            mark: self.mark.clone(),
            yielded: self.yielded,
            size_set: self.size_set,
            size_fixed: self.size_fixed,
            size_conflict: self.size_conflict,
            invalid: self.invalid.clone(),
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
            .field("skip", &self.skip)
            .field("max_pages", &self.max_pages)
            .field("prefetch", &self.prefetch)
            .field("concurrency", &self.concurrency)
            .field("order", &self.keying.map(|k| k.order))
            .field("mark", &self.mark)
            .finish()
    }
}

/// The default cap on pages in one walk.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// How many pages a walk fetches ahead of the caller by default.
const DEFAULT_PREFETCH: usize = 1;

impl<T: DeserializeOwned + Send + 'static> Paginator<T> {
    /// A list whose first request is `request` (its filters are kept on
    /// every page), paged by the API's `scheme` (which sets the paging
    /// parameters and reads the page envelope).
    pub fn new<R, S: PageScheme>(transport: Transport, request: Request<R>, scheme: S) -> Self {
        let style = scheme.style();
        let start = match style {
            PageStyle::OffsetLimit { .. } => Cursor::Offset(0),
            _ => Cursor::Page(1),
        };
        Paginator {
            transport,
            request: request.with_response(),
            style,
            scheme: SchemeFns::of::<S>(),
            start,
            skip: 0,
            ended: false,
            max_pages: DEFAULT_MAX_PAGES,
            prefetch: DEFAULT_PREFETCH,
            concurrency: 1,
            keying: None,
            mark: None,
            yielded: 0,
            size_set: false,
            size_fixed: false,
            size_conflict: None,
            invalid: None,
            _item: PhantomData,
        }
    }

    /// A list that refuses its input: every walk, page and fetch of it
    /// fails with `err` (an [`Error::InvalidInput`]) before anything is
    /// sent. Lets a list method return a [`Paginator`] whatever its input.
    pub(crate) fn refuse(mut self, err: Error) -> Self {
        if let Error::InvalidInput { field, message } = err {
            self.invalid = Some((field, message));
        } else {
            self.invalid = Some(("input".into(), err.to_string()));
        }
        self
    }

    /// Tells the walk how the server orders the list, so that it yields
    /// each item once on a live list: it drops items at or before the last
    /// one yielded (a record created at the head of a newest-first list
    /// moves the next page's first item onto it), and
    /// [`resume`](Self::resume) restarts one page early and skips what was
    /// already yielded, whatever was created, or up to a page deleted, in
    /// between. The lists of the three APIs are all ordered this way.
    ///
    /// A page whose items are out of `order` turns the keying off for the
    /// rest of the walk (it then goes by position alone), except in a walk
    /// resumed by key, which stops with [`PaginationErrorKind::OutOfOrder`]
    /// rather than guess.
    pub fn ordered(mut self, order: ListOrder, key: fn(&T) -> ItemKey) -> Self {
        self.keying = Some(Keying { order, key });
        self
    }

    /// Items per page to ask for. Ignored by lists whose page size the
    /// server fixes; `0` is taken as `1`. After
    /// [`resume`](Self::resume) the checkpoint's page size stays: asking
    /// for another one makes the walk fail with [`Error::InvalidInput`]
    /// before it sends anything, because the saved position counts in
    /// pages of the saved size.
    pub fn per_page(mut self, n: u32) -> Self {
        let n = n.max(1);
        if self.size_fixed {
            if page_size(self.style).is_some_and(|fixed| fixed != Some(n)) {
                self.size_conflict = Some(n);
            }
            return self;
        }
        self.size_set = true;
        match &mut self.style {
            PageStyle::PageNumberSized { per_page } => *per_page = Some(n),
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
        self.skip = 0;
        self.ended = false;
        self
    }

    /// How many pages to fetch ahead, in the background, while the caller
    /// works on the current one (default 1). A walk
    /// holds at most `depth + 1` pages: the one being read and `depth`
    /// fetched or being fetched. Pages are only fetched once the page
    /// before says they exist (or, with [`concurrency`](Self::concurrency),
    /// once the number of pages is known), so the walk still stops at the
    /// last page without an extra request. `0` fetches each page only when
    /// the caller asks for it. Prefetching needs a Tokio runtime; outside
    /// one, pages are fetched as asked for.
    pub fn prefetch(mut self, depth: usize) -> Self {
        self.prefetch = depth;
        self
    }

    /// Fetches up to `k` pages at once where the number of pages is known
    /// up front (a page says which is the last; other lists do not say, and
    /// are fetched one page at a time whatever `k`). Items still come in
    /// order; every request still goes through the rate limiter, and the
    /// page cap still holds. With `k > 1` the walk holds at most
    /// `max(k, prefetch) + 1` pages. Default 1; `0` is taken as 1.
    ///
    /// Pages fetched side by side are read at slightly different times: on
    /// a list that changes during the walk an item can move from a page not
    /// yet read onto one read already, and be missed. Keep `k` at 1 for a
    /// list that is written to while it is walked; a resumption after a
    /// stop is exactly-once whatever `k`.
    pub fn concurrency(mut self, k: usize) -> Self {
        self.concurrency = k.max(1);
        self
    }

    /// Resumes a walk saved with [`Items::checkpoint`] or
    /// [`Pages::checkpoint`], with the saved page size (a different
    /// [`per_page`](Self::per_page), before or after, is refused).
    ///
    /// On a list [`ordered`](Self::ordered) by key (every list of the three
    /// APIs), the walk restarts one page before the saved position and
    /// skips every item at or before the last one yielded, page after page:
    /// each item that existed when the walk began comes exactly once, even
    /// when records were created, or up to one page deleted, in between.
    /// Otherwise (another list, or a checkpoint saved by billkit 0.1 without
    /// a [`mark`](WalkCheckpoint::mark)) the walk starts at the first page
    /// not fully read and skips the items of it already read, which holds
    /// only while nothing before that position changes.
    ///
    /// Fails with [`Error::InvalidInput`] when the checkpoint was taken
    /// from another list (another path, other filters, another page style)
    /// or with another page size. A checkpoint of a finished walk yields
    /// nothing.
    pub fn resume(mut self, checkpoint: &WalkCheckpoint) -> Result<Self> {
        let path = self
            .request
            .path()
            .unwrap_or_else(|_| self.request.template().to_owned());
        if checkpoint.path != path {
            return Err(Error::invalid_input(
                "checkpoint",
                format!(
                    "it was taken from the list at {}, not {path}",
                    crate::error::truncate(&checkpoint.path, 200)
                ),
            ));
        }
        if checkpoint.query != list_query(&self.request) {
            return Err(Error::invalid_input(
                "checkpoint",
                "it was taken from the same list with other filters",
            ));
        }
        let same_style = matches!(
            (self.style, checkpoint.style),
            (PageStyle::PageNumber { .. }, PageStyle::PageNumber { .. })
                | (
                    PageStyle::PageNumberSized { .. },
                    PageStyle::PageNumberSized { .. }
                )
                | (PageStyle::OffsetLimit { .. }, PageStyle::OffsetLimit { .. })
        );
        let cursor_fits = match (checkpoint.style, checkpoint.cursor) {
            (PageStyle::OffsetLimit { .. }, _) | (_, None | Some(Cursor::Page(_))) => true,
            (_, Some(Cursor::Offset(_))) => false,
        };
        if !same_style || !cursor_fits {
            return Err(Error::invalid_input(
                "checkpoint",
                "it was taken from a list paged another way",
            ));
        }
        if let (true, Some(Some(mine)), Some(saved)) = (
            self.size_set,
            page_size(self.style),
            page_size(checkpoint.style),
        ) && saved != Some(mine)
        {
            return Err(page_size_refused(saved, mine));
        }
        self.style = checkpoint.style;
        self.size_fixed = true;
        self.yielded = checkpoint.yielded;
        self.mark = None;
        match checkpoint.cursor {
            Some(cursor) => match (&checkpoint.mark, self.keying) {
                (Some(mark), Some(_)) => {
                    // Deletions move the next item back by up to a page;
                    // what was already yielded is skipped by key.
                    self.start = page_before(cursor, self.style);
                    self.skip = 0;
                    self.mark = Some(mark.clone());
                }
                _ => {
                    self.start = cursor;
                    self.skip = checkpoint.skip;
                }
            },
            None => {
                // The walk had ended: nothing is left.
                self.skip = 0;
            }
        }
        self.ended = checkpoint.cursor.is_none();
        Ok(self)
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
        if let Some(err) = self.refusal() {
            return Err(err);
        }
        fetch_page(
            &self.transport,
            &self.request,
            self.style,
            self.scheme,
            cursor,
        )
        .await
        .map(|(page, _)| page)
    }

    /// The pages, lazily, one request each; the next page is fetched
    /// while the caller works on the current one (see
    /// [`prefetch`](Self::prefetch)). A resumed walk's first page comes
    /// without the items already read.
    pub fn pages(self) -> Pages<T> {
        Pages {
            next: (!self.ended).then_some(self.start),
            fetched: 0,
            last_items: None,
            in_flight: None,
            background: None,
            skip: self.skip,
            skipped: 0,
            keying: self.keying,
            resumed_by_key: self.mark.is_some(),
            mark: self.mark.clone(),
            mark_before: None,
            page_keys: Vec::new(),
            yielded: self.yielded,
            total: None,
            refused: self.refusal(),
            paginator: self,
        }
    }

    /// The error a walk answers before sending anything, if the caller
    /// asked for something it cannot do.
    fn refusal(&self) -> Option<Error> {
        if let Some((field, message)) = &self.invalid {
            return Some(Error::invalid_input(field.clone(), message.clone()));
        }
        let asked = self.size_conflict?;
        Some(page_size_refused(page_size(self.style)?, asked))
    }

    /// The items, lazily, with the page being read and the pages fetched
    /// ahead in memory (see [`prefetch`](Self::prefetch)).
    pub fn stream(self) -> Items<T> {
        Items {
            pages: self.pages(),
            buffer: Vec::new().into_iter(),
            current: None,
            taken: 0,
            keys: Vec::new(),
            mark_before: None,
            in_page: 0,
            yielded_before: 0,
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

async fn fetch_page<T: DeserializeOwned>(
    transport: &Transport,
    template: &Request<()>,
    style: PageStyle,
    scheme: SchemeFns<T>,
    cursor: Cursor,
) -> Result<(Page<T>, ItemsBytes)> {
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
            ));
        }
    };
    let at = match style {
        PageStyle::OffsetLimit { .. } => Cursor::Offset(offset),
        _ => Cursor::Page(number),
    };
    (scheme.set_query)(&mut req, at, style);
    let raw = transport.send(&req).await?;
    let seen = ItemsBytes::of(raw.body.clone(), scheme.items);
    let parts = (scheme.decode)(&raw)?;
    let len = parts.items.len();
    let next = match style {
        PageStyle::PageNumber { page_size } => {
            (len >= page_size as usize).then_some(Cursor::Page(number + 1))
        }
        PageStyle::PageNumberSized { per_page } => {
            let current = parts.current_page.unwrap_or(number);
            let more = match parts.last_page {
                Some(last) => current < last,
                None => per_page.is_none_or(|n| len >= n as usize),
            };
            (more && len > 0).then_some(Cursor::Page(number + 1))
        }
        PageStyle::OffsetLimit { limit, end } => {
            let more = match end {
                End::ShortPage => len >= limit as usize,
                End::EmptyPage => len > 0,
            };
            more.then_some(Cursor::Offset(offset + u64::from(limit)))
        }
    };
    let page = Page {
        items: parts.items,
        cursor: at,
        next,
        total: parts.total,
        last_page: parts.last_page,
    };
    Ok((page, seen))
}

/// The bytes of a page's items, for the repeated-page guard: the items
/// value alone (counters around it, such as a page number or an echoed
/// offset, change from page to page even when the server repeats the same
/// items, so comparing whole bodies would never see a repeat). Holds the body without copying
/// it; nothing is scanned or hashed up front.
#[derive(Clone)]
struct ItemsBytes {
    body: bytes::Bytes,
    /// Where the items value starts; `None`: the whole body is compared.
    start: Option<usize>,
    /// Whether this page repeated the one before it.
    repeat: bool,
}

impl ItemsBytes {
    fn of(body: bytes::Bytes, items: Option<&str>) -> Self {
        let Some(key) = items else {
            return ItemsBytes {
                body,
                start: None,
                repeat: false,
            };
        };
        let start = json::find_top_level_value(&body, key.as_bytes());
        ItemsBytes {
            body,
            start,
            repeat: false,
        }
    }

    /// Whether both pages hold exactly the same items bytes. Costs the
    /// length of their common start: next to nothing for different pages.
    fn same_items(&self, other: &ItemsBytes) -> bool {
        match (self.start, other.start) {
            (Some(a), Some(b)) => {
                let (x, y) = (&self.body[a..], &other.body[b..]);
                let common = x.iter().zip(y).take_while(|(p, q)| p == q).count();
                // A JSON value delimits itself: equal bytes up to its end
                // are an equal value.
                json::value_end(&x[..common]).is_some()
            }
            (None, None) => self.body == other.body,
            _ => false,
        }
    }
}

/// Just enough JSON scanning to find a value's bounds in valid JSON
/// (invalid JSON fails to decode anyway).
mod json {
    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    /// The end (exclusive) of the string starting at `b[i] == '"'`.
    fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
        i += 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    }

    /// The end (exclusive) of the value starting at the first non-blank
    /// byte of `b`, if it ends within `b`.
    pub(super) fn value_end(b: &[u8]) -> Option<usize> {
        let mut i = skip_ws(b, 0);
        let mut depth = 0usize;
        loop {
            let c = *b.get(i)?;
            match c {
                b'"' => i = string_end(b, i)?,
                b'[' | b'{' => {
                    depth += 1;
                    i += 1;
                }
                b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    i += 1;
                }
                _ if depth == 0 => {
                    // A scalar: up to the next delimiter.
                    while i < b.len()
                        && !matches!(b[i], b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                    {
                        i += 1;
                    }
                    // The scalar may go on past `b`.
                    return (i < b.len()).then_some(i);
                }
                _ => i += 1,
            }
            if depth == 0 {
                return Some(i);
            }
        }
    }

    /// Where the value of the top-level object's member `key` starts.
    pub(super) fn find_top_level_value(b: &[u8], key: &[u8]) -> Option<usize> {
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i += 1;
        loop {
            i = skip_ws(b, i);
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let end = string_end(b, i)?;
            let name = &b[i + 1..end - 1];
            i = skip_ws(b, end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            if name == key {
                return Some(i);
            }
            i += value_end(&b[i..])?;
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i += 1,
                _ => return None,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn values_and_members_are_found() {
            assert_eq!(value_end(br#" [1, "a]\"", {"b": [2]}] ,"#), Some(24));
            assert_eq!(value_end(br#"[1, 2"#), None);
            assert_eq!(value_end(b"12,"), Some(2));
            assert_eq!(value_end(b"12"), None);
            assert_eq!(value_end(b"null}"), Some(4));
            let body = br#"{"meta": {"data": 1}, "x": "da\"ta", "data" : [1]}"#;
            assert_eq!(find_top_level_value(body, b"data"), Some(46));
            assert_eq!(find_top_level_value(body, b"items"), None);
            assert_eq!(find_top_level_value(b"[1]", b"data"), None);
        }

        proptest::proptest! {
            /// A hostile page cannot make the guard's scanner panic.
            #[test]
            fn arbitrary_bytes_never_panic(b in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
                let _ = value_end(&b);
                let _ = find_top_level_value(&b, b"data");
            }

            #[test]
            fn json_like_text_never_panics(t in "[\\[\\]{}\",:\\\\ a1]{0,96}") {
                let b = t.as_bytes();
                let _ = value_end(b);
                if let Some(i) = find_top_level_value(b, b"a") {
                    proptest::prop_assert!(i <= b.len());
                    let _ = value_end(&b[i..]);
                }
            }
        }
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<(Page<T>, ItemsBytes)>> + Send>>;

/// What the background fetcher hands to the stream, in page order.
enum Msg<T> {
    /// A page.
    Page(Page<T>),
    /// Fetching the page at this cursor failed; the items of the page
    /// before, for the guard of the next attempt.
    Failed(Cursor, Error, Option<ItemsBytes>),
    /// The page at this cursor repeats the one before it.
    Repeated(Cursor),
    /// The page cap was reached; this page would come next.
    Cap(Cursor),
}

/// What a background fetcher needs, cloned out of the [`Paginator`].
struct Walk<T> {
    transport: Transport,
    request: Request<()>,
    style: PageStyle,
    scheme: SchemeFns<T>,
    start: Cursor,
    /// How many more pages may be fetched.
    budget: u32,
    /// How many fetches may run at once.
    concurrency: usize,
    last_items: Option<ItemsBytes>,
    /// Whether the walk drops items already yielded.
    keyed: bool,
}

/// Fetches pages in order into `tx`, never holding more fetched or
/// in-flight pages than `tx` has room for. One fetch at a time unless the
/// number of pages is known (a page said which is the last); then up to
/// `concurrency`.
async fn drive<T: DeserializeOwned + Send + 'static>(
    walk: Walk<T>,
    tx: tokio::sync::mpsc::Sender<Msg<T>>,
) {
    use futures_util::StreamExt;
    use futures_util::stream::FuturesOrdered;

    let Walk {
        transport,
        request,
        style,
        scheme,
        start,
        budget,
        concurrency,
        mut last_items,
        keyed,
    } = walk;
    let fetch = |cursor: Cursor| {
        let transport = transport.clone();
        let request = request.clone();
        async move {
            (
                cursor,
                fetch_page::<T>(&transport, &request, style, scheme, cursor).await,
            )
        }
    };
    let mut in_flight = FuturesOrdered::new();
    // The next page when nothing is in flight (it is then certain).
    let mut next = Some(start);
    let mut last_launched: Option<u64> = None;
    let mut known_last: Option<u64> = None;
    let mut launched: u32 = 0;
    loop {
        // Start what may be started: the certain next page, then (only
        // when the number of pages is known) the pages after it.
        while launched < budget && in_flight.len() < concurrency && tx.capacity() > in_flight.len()
        {
            let cursor = if in_flight.is_empty() {
                next.take()
            } else {
                match (last_launched, known_last) {
                    (Some(p), Some(last)) if p < last => Some(Cursor::Page(p + 1)),
                    _ => None,
                }
            };
            let Some(cursor) = cursor else { break };
            if let Cursor::Page(p) = cursor {
                last_launched = Some(p);
            }
            launched += 1;
            in_flight.push_back(fetch(cursor));
        }
        if in_flight.is_empty() {
            let Some(cursor) = next else { return };
            if launched >= budget {
                let _ = tx.send(Msg::Cap(cursor)).await;
                return;
            }
            // No room: wait until the caller takes a page.
            match tx.reserve().await {
                Ok(permit) => drop(permit),
                Err(_) => return,
            }
            continue;
        }
        let Some((cursor, result)) = in_flight.next().await else {
            continue;
        };
        let (page, mut seen) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = tx.send(Msg::Failed(cursor, e, last_items)).await;
                return;
            }
        };
        if repeat_stops(
            last_items.as_ref(),
            &mut seen,
            style,
            page.items.len(),
            keyed,
        ) {
            let _ = tx.send(Msg::Repeated(cursor)).await;
            return;
        }
        last_items = Some(seen);
        if page.last_page.is_some() {
            known_last = page.last_page;
        }
        // Pages started ahead of what this page says comes next are dropped.
        if !in_flight.is_empty() {
            let front = match cursor {
                Cursor::Page(n) => Some(Cursor::Page(n + 1)),
                Cursor::Offset(_) => None,
            };
            if page.next.is_none() || page.next != front {
                launched -= in_flight.len() as u32;
                in_flight = FuturesOrdered::new();
                last_launched = None;
            }
        }
        next = page.next;
        if tx.send(Msg::Page(page)).await.is_err() {
            return;
        }
    }
}

/// A lazy stream of pages. By default the next page is fetched in the
/// background while the caller works on the current one (see
/// [`Paginator::prefetch`]). After an error, polling again retries the
/// page that failed.
pub struct Pages<T> {
    paginator: Paginator<T>,
    /// The first page not yet yielded (after an error: the page that
    /// failed); `None` once the walk has ended.
    next: Option<Cursor>,
    fetched: u32,
    last_items: Option<ItemsBytes>,
    /// The inline fetch, without prefetching.
    in_flight: Option<PageFuture<T>>,
    /// The background fetcher, when prefetching.
    background: Option<Background<T>>,
    /// Items of the next page already read before a resumption.
    skip: u64,
    /// How many items were dropped from the start of the last page yielded.
    skipped: u64,
    /// How items are placed in the list; `None` once a page was out of
    /// order.
    keying: Option<Keying<T>>,
    /// Whether the walk restarted early from a checkpoint's mark (and so
    /// cannot fall back to going by position).
    resumed_by_key: bool,
    /// The last place yielded.
    mark: Option<WalkMark>,
    /// The mark before the last page yielded, and the keys of that page's
    /// items, for [`Items::checkpoint`] inside a page.
    mark_before: Option<WalkMark>,
    page_keys: Vec<ItemKey>,
    /// Items yielded since the walk began, resumed walks included.
    yielded: u64,
    /// The list's size, as the server last said.
    total: Option<u64>,
    /// A caller mistake, reported before anything is sent.
    refused: Option<Error>,
}

struct Background<T> {
    rx: tokio::sync::mpsc::Receiver<Msg<T>>,
    task: tokio::task::JoinHandle<()>,
}

impl<T> Drop for Background<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
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
    /// The first page not yet yielded (after an error: the page that
    /// failed); `None` once the walk has ended. Pages fetched ahead but not
    /// yet yielded do not count: resuming here loses nothing.
    pub fn cursor(&self) -> Option<Cursor> {
        self.next
    }

    /// How many pages have been yielded.
    pub fn pages_fetched(&self) -> u32 {
        self.fetched
    }

    /// How many items the pages yielded so far hold, counted from the
    /// start of the walk (a resumed walk goes on from its checkpoint's
    /// count), for a progress bar next to [`total`](Self::total).
    pub fn items_yielded(&self) -> u64 {
        self.yielded
    }

    /// The number of items in the list as the server last said (where its
    /// page envelope says: [`PageParts::total`](super::PageParts)); `None` for lists that do not say or
    /// before the first page. Records created or deleted during the walk
    /// change it.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Where the walk stands, to be saved and resumed later, maybe in
    /// another process, with [`Paginator::resume`]: the first page not
    /// yet yielded, and on a keyed list the last item yielded.
    pub fn checkpoint(&self) -> WalkCheckpoint {
        WalkCheckpoint::of(
            &self.paginator,
            self.next,
            self.skip,
            self.keying.and(self.mark.clone()),
            self.yielded,
        )
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(err) = this.refused.take() {
            this.next = None;
            return Poll::Ready(Some(Err(err)));
        }
        loop {
            if let Some(bg) = this.background.as_mut() {
                let msg = match bg.rx.poll_recv(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(msg) => msg,
                };
                match msg {
                    Some(Msg::Page(page)) => {
                        this.fetched += 1;
                        this.next = page.next;
                        if page.next.is_none() {
                            this.background = None;
                        }
                        return Poll::Ready(Some(this.admit(page)));
                    }
                    Some(Msg::Failed(at, e, last_items)) => {
                        // `next` still names the page that failed.
                        debug_assert_eq!(Some(at), this.next);
                        this.last_items = last_items;
                        this.background = None;
                        return Poll::Ready(Some(Err(e)));
                    }
                    Some(Msg::Repeated(at)) => {
                        let err = this.stop(at, PaginationErrorKind::RepeatedPage);
                        return Poll::Ready(Some(Err(err)));
                    }
                    Some(Msg::Cap(at)) => {
                        let kind = PaginationErrorKind::TooManyPages {
                            max_pages: this.paginator.max_pages,
                        };
                        let err = this.stop(at, kind);
                        return Poll::Ready(Some(Err(err)));
                    }
                    None => {
                        // The fetcher ended early: only a panic or the
                        // runtime shutting down does that.
                        let Some(bg) = this.background.as_mut() else {
                            continue;
                        };
                        let done = std::task::ready!(Pin::new(&mut bg.task).poll(cx));
                        this.background = None;
                        if let Err(e) = done {
                            if e.is_panic() {
                                std::panic::resume_unwind(e.into_panic());
                            }
                            return Poll::Ready(Some(Err(Error::invalid_input(
                                "runtime",
                                "the page fetcher was cancelled (is the runtime shutting down?)",
                            ))));
                        }
                        continue;
                    }
                }
            }
            if let Some(fut) = this.in_flight.as_mut() {
                let result = std::task::ready!(fut.as_mut().poll(cx));
                this.in_flight = None;
                let (page, mut seen) = match result {
                    Ok(v) => v,
                    Err(e) => return Poll::Ready(Some(Err(e))),
                };
                if repeat_stops(
                    this.last_items.as_ref(),
                    &mut seen,
                    this.paginator.style,
                    page.items.len(),
                    this.keying.is_some(),
                ) {
                    let err = this.stop(page.cursor, PaginationErrorKind::RepeatedPage);
                    return Poll::Ready(Some(Err(err)));
                }
                this.last_items = Some(seen);
                this.fetched += 1;
                this.next = page.next;
                return Poll::Ready(Some(this.admit(page)));
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
            let p = &this.paginator;
            let window = if p.concurrency > 1 {
                p.prefetch.max(p.concurrency)
            } else {
                p.prefetch
            };
            let runtime = tokio::runtime::Handle::try_current();
            if let (true, Ok(runtime)) = (window > 0, runtime) {
                let walk = Walk {
                    transport: p.transport.clone(),
                    request: p.request.clone(),
                    style: p.style,
                    scheme: p.scheme,
                    start: cursor,
                    budget: p.max_pages - this.fetched,
                    concurrency: p.concurrency.max(1),
                    last_items: this.last_items.clone(),
                    keyed: this.keying.is_some(),
                };
                let (tx, rx) = tokio::sync::mpsc::channel(window);
                // The fetches stay inside the caller's span.
                let span = tracing::Span::current();
                let task =
                    runtime.spawn(tracing::Instrument::instrument(drive::<T>(walk, tx), span));
                this.background = Some(Background { rx, task });
                continue;
            }
            let transport = p.transport.clone();
            let request = p.request.clone();
            let (style, scheme) = (p.style, p.scheme);
            this.in_flight = Some(Box::pin(async move {
                fetch_page(&transport, &request, style, scheme, cursor).await
            }));
        }
    }
}

impl<T> Pages<T> {
    /// Drops what was already yielded from a page about to be yielded: the
    /// items read before a positional resumption, and on a keyed list every
    /// item at or before the last one yielded.
    fn admit(&mut self, mut page: Page<T>) -> Result<Page<T>> {
        let n = self.skip.min(page.items.len() as u64);
        self.skipped = n;
        self.skip = 0;
        if n > 0 {
            page.items.drain(..n as usize);
        }
        if page.total.is_some() {
            self.total = page.total;
        }
        self.mark_before = self.mark.clone();
        self.page_keys.clear();
        if let Some(keying) = self.keying {
            let keys: Vec<ItemKey> = page.items.iter().map(keying.key).collect();
            if keys
                .windows(2)
                .all(|w| walk_key::in_order(keying.order, &w[0], &w[1]))
            {
                let mut keys = keys.into_iter();
                page.items.retain(|_| {
                    let Some(key) = keys.next() else { return true };
                    let unread = walk_key::is_unread(keying.order, self.mark.as_ref(), &key);
                    if unread {
                        walk_key::advance(&mut self.mark, &key);
                        self.page_keys.push(key);
                    }
                    unread
                });
            } else if self.resumed_by_key {
                // Skipping by key on a list out of order could lose items.
                return Err(self.stop(page.cursor, PaginationErrorKind::OutOfOrder));
            } else {
                // Not the order declared: go by position, as unkeyed walks
                // do. (No tracing event here: a callsite first hit while
                // another thread holds a scoped subscriber can leave that
                // subscriber's spans unrecorded, see tests/tracing.)
                self.keying = None;
                self.mark = None;
                self.mark_before = None;
            }
        }
        self.yielded += page.items.len() as u64;
        Ok(page)
    }

    fn stop(&mut self, at: Cursor, kind: PaginationErrorKind) -> Error {
        self.next = None;
        self.background = None;
        self.in_flight = None;
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

/// A lazy stream of items, with the page being read and the pages fetched
/// ahead (see [`Paginator::prefetch`]) in memory. After an error, polling
/// again retries the page that failed.
pub struct Items<T> {
    pages: Pages<T>,
    buffer: std::vec::IntoIter<T>,
    /// The page the buffered items come from.
    current: Option<Cursor>,
    /// How many items of `current` have been yielded (or skipped).
    taken: u64,
    /// The keys of the buffered page's items, the mark before them and how
    /// many of them were yielded, for a checkpoint inside the page.
    keys: Vec<ItemKey>,
    mark_before: Option<WalkMark>,
    in_page: usize,
    /// Items yielded before the buffered page, resumed walks included.
    yielded_before: u64,
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

    /// Where the walk stands, to be saved and resumed later, maybe in
    /// another process, with [`Paginator::resume`]: the first page whose
    /// items were not all yielded, how many of its items were, and on a
    /// keyed list the last item yielded. Items of pages fetched ahead are
    /// neither lost nor repeated.
    pub fn checkpoint(&self) -> WalkCheckpoint {
        match self.current {
            Some(cursor) if self.buffer.len() > 0 => {
                let mark = self.pages.keying.and_then(|_| {
                    let mut mark = self.mark_before.clone();
                    for key in &self.keys[..self.in_page.min(self.keys.len())] {
                        walk_key::advance(&mut mark, key);
                    }
                    mark
                });
                WalkCheckpoint::of(
                    &self.pages.paginator,
                    Some(cursor),
                    self.taken,
                    mark,
                    self.yielded(),
                )
            }
            _ => self.pages.checkpoint(),
        }
    }

    /// How many items have been yielded, counted from the start of the
    /// walk (a resumed walk goes on from its checkpoint's count), for a
    /// progress bar next to [`total`](Self::total).
    ///
    /// ```no_run
    /// # async fn run(list: billkit::http::Paginator<serde_json::Value>) -> billkit::Result<()> {
    /// use billkit::TryStreamExt;
    /// let mut items = list.stream();
    /// while let Some(item) = items.try_next().await? {
    ///     let total = items.total().map_or("?".to_owned(), |n| n.to_string());
    ///     println!("{}/{total}: {item}", items.yielded());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn yielded(&self) -> u64 {
        self.yielded_before + self.in_page as u64
    }

    /// The number of items in the list as the server last said (where its
    /// page envelope says: [`PageParts::total`](super::PageParts)); `None` for lists that do not say or
    /// before the first page. Records created or deleted during the walk
    /// change it.
    pub fn total(&self) -> Option<u64> {
        self.pages.total()
    }
}

impl<T: DeserializeOwned + Send + 'static> Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffer.next() {
                this.taken += 1;
                this.in_page += 1;
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => {
                    this.current = Some(page.cursor);
                    this.taken = this.pages.skipped;
                    this.yielded_before = this.pages.yielded - page.items.len() as u64;
                    this.in_page = 0;
                    this.keys = std::mem::take(&mut this.pages.page_keys);
                    this.mark_before = this.pages.mark_before.take();
                    this.buffer = page.items.into_iter();
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// Where a walk stands, saved to resume it later, maybe in another
/// process: the list (its path and filters), the page style and size, the
/// first page not fully read and how many of its items were read.
/// Serialises with serde; taken with [`Items::checkpoint`] or
/// [`Pages::checkpoint`], resumed with [`Paginator::resume`].
///
/// On a keyed list (see [`Paginator::ordered`]; every list of the three
/// APIs) it also holds the last item yielded ([`mark`](Self::mark)), and
/// resuming yields every item that existed when the walk began exactly
/// once, even after records were created, or up to a page deleted, in
/// between. Its size is bounded: at most [`MAX_TIED_IDS`](super::MAX_TIED_IDS)
/// ids. Checkpoints saved before the mark existed still load and resume by
/// position.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct WalkCheckpoint {
    /// The list's path with its parameters filled, e.g. `/orders`.
    pub path: String,
    /// The list's own query (its filters), without the paging parameters.
    pub query: Vec<(String, String)>,
    /// How the list is paged, with its page size.
    pub style: PageStyle,
    /// The first page not fully read; `None` when the walk had ended.
    pub cursor: Option<Cursor>,
    /// How many items of that page were already read.
    pub skip: u64,
    /// On a keyed list, the last item yielded; `None` before the first one
    /// and in checkpoints of billkit 0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<WalkMark>,
    /// How many items were yielded since the walk began.
    #[serde(default)]
    pub yielded: u64,
}

impl WalkCheckpoint {
    fn of<T>(
        paginator: &Paginator<T>,
        cursor: Option<Cursor>,
        skip: u64,
        mark: Option<WalkMark>,
        yielded: u64,
    ) -> Self {
        WalkCheckpoint {
            path: paginator
                .request
                .path()
                .unwrap_or_else(|_| paginator.request.template().to_owned()),
            query: list_query(&paginator.request),
            style: paginator.style,
            cursor,
            skip,
            mark,
            yielded,
        }
    }
}

/// The request's query without the paging parameters.
fn list_query(request: &Request<()>) -> Vec<(String, String)> {
    request
        .query_pairs()
        .iter()
        .filter(|(k, _)| !PAGING_KEYS.contains(&k.as_ref()))
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The query parameters the walk sets itself.
const PAGING_KEYS: [&str; 4] = ["page", "per_page", "offset", "limit"];

/// The page size the walk asks for (`None`: the server's default), on
/// lists where the caller chooses it (not pages of a size the server fixes).
fn page_size(style: PageStyle) -> Option<Option<u32>> {
    match style {
        PageStyle::PageNumberSized { per_page } => Some(per_page),
        PageStyle::OffsetLimit { limit, .. } => Some(Some(limit)),
        PageStyle::PageNumber { .. } => None,
    }
}

/// The page before `cursor` (the first page has none before it).
fn page_before(cursor: Cursor, style: PageStyle) -> Cursor {
    match (cursor, style) {
        (Cursor::Offset(o), PageStyle::OffsetLimit { limit, .. }) => {
            Cursor::Offset(o.saturating_sub(u64::from(limit)))
        }
        (Cursor::Offset(o), _) => Cursor::Offset(o),
        (Cursor::Page(n), _) => Cursor::Page(n.saturating_sub(1).max(1)),
    }
}

fn page_size_refused(saved: Option<u32>, asked: u32) -> Error {
    let saved = saved.map_or_else(
        || "the server's default number of items per page".to_owned(),
        |n| format!("{n} items per page"),
    );
    Error::invalid_input(
        "per_page",
        format!(
            "the walk resumes a checkpoint taken with {saved}; {asked} per page \
             would misplace the saved position (leave per_page unset)"
        ),
    )
}

/// Whether the page `seen` (of `items` items) repeating the one before it
/// proves a server that ignores the page parameter, and so stops the walk.
/// A keyed walk lets one repeat pass: exactly a page of records created at
/// the head of a live list between two fetches repeats a page too, and the
/// keys drop its items; a second repeat in a row stops it.
fn repeat_stops(
    last: Option<&ItemsBytes>,
    seen: &mut ItemsBytes,
    style: PageStyle,
    items: usize,
    keyed: bool,
) -> bool {
    let same = items > 0 && !may_repeat(style, items) && last.is_some_and(|l| l.same_items(seen));
    seen.repeat = same;
    same && (!keyed || last.is_some_and(|l| l.repeat))
}

/// Whether a page equal to the one before may still be a correct answer:
/// a list that ends only on an empty page (one the server de-duplicates) pages
/// over rows and collapses a page's repeated rows into one item, so a
/// customer with many rows fills several short pages alike. A server that
/// ignores the offset sends full pages, and a short page ends every other
/// list anyway.
fn may_repeat(style: PageStyle, items: usize) -> bool {
    matches!(style, PageStyle::OffsetLimit { limit, end: End::EmptyPage } if items < limit as usize)
}
