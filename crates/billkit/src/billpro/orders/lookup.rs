//! Finding a record in a BillPro list by a key the server cannot filter
//! on, without missing it: see [`Orders`](super::Orders).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::super::PAGE_SIZE;
use super::model::Order;
use crate::error::PaginationErrorKind;
use crate::error::{Error, Result};
use crate::http::Paginator;

/// Where a lookup after a create of unknown outcome starts: when the create
/// was first sent ([`LookupKey::sent_at`](crate::LookupKey::sent_at)), less a margin for the
/// difference between the client's clock and BillPro's
/// ([`skew`](Self::skew)).
///
/// ```
/// use std::time::Duration;
/// use billkit::billpro::Since;
/// # let sent_at = chrono::Utc::now();
/// let since = Since::new(sent_at).skew(Duration::from_secs(600)).concurrency(2);
/// assert_eq!(since.earliest(), sent_at - chrono::Duration::seconds(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since {
    at: DateTime<Utc>,
    skew: Duration,
    concurrency: usize,
}

impl Since {
    /// The default clock-skew margin: 5 minutes. Machines kept on time by
    /// NTP differ by far less; a larger margin only costs the pages of the
    /// records created within it.
    pub const DEFAULT_SKEW: Duration = Duration::from_secs(300);

    /// The default number of pages fetched at once where that is safe
    /// (an oldest-first list): 4.
    pub const DEFAULT_CONCURRENCY: usize = 4;

    /// From `at`, the time the create was first sent, with the default skew
    /// and concurrency.
    pub fn new(at: DateTime<Utc>) -> Self {
        Since {
            at,
            skew: Self::DEFAULT_SKEW,
            concurrency: Self::DEFAULT_CONCURRENCY,
        }
    }

    /// How far BillPro's clock may be behind the client's. Too small a
    /// margin can miss a record whose `created_at`, by a slow server
    /// clock, is earlier than `at`.
    pub fn skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// How many pages an oldest-first list is read at once (`0` is taken as
    /// `1`). Up to this many less one are fetched past the end.
    pub fn concurrency(mut self, k: usize) -> Self {
        self.concurrency = k.max(1);
        self
    }

    /// The pages read at once (see [`concurrency`](Self::concurrency)).
    pub fn pages_at_once(&self) -> usize {
        self.concurrency
    }

    /// When the create was sent.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The oldest `created_at` the record can carry: `at` less the skew
    /// (the earliest representable time if that underflows).
    pub fn earliest(&self) -> DateTime<Utc> {
        chrono::Duration::from_std(self.skew)
            .ok()
            .and_then(|skew| self.at.checked_sub_signed(skew))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl From<DateTime<Utc>> for Since {
    fn from(at: DateTime<Utc>) -> Self {
        Since::new(at)
    }
}

/// What a lookup reads from a listed record: an id unique in the list, and
/// when it was created.
pub(crate) trait Listed: Clone {
    fn list_id(&self) -> u64;
    fn listed_at(&self) -> Option<DateTime<Utc>>;
}

impl Listed for Order {
    fn list_id(&self) -> u64 {
        self.id.get()
    }
    fn listed_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }
}

/// The most pages one lookup reads (250,000 records).
const MAX_LOOKUP_PAGES: u64 = 10_000;

/// How a list runs by creation time, as far as the pages read show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    OldestFirst,
    NewestFirst,
    Unsorted,
}

/// The direction of one page; a page whose items share one time counts as
/// oldest first (the pages around it decide).
fn direction<T: Listed>(items: &[T]) -> Direction {
    let Some(times) = times(items) else {
        return Direction::Unsorted;
    };
    if times.windows(2).all(|w| w[0] <= w[1]) {
        Direction::OldestFirst
    } else if times.windows(2).all(|w| w[0] >= w[1]) {
        Direction::NewestFirst
    } else {
        Direction::Unsorted
    }
}

fn times<'a, T: Listed + 'a>(items: impl IntoIterator<Item = &'a T>) -> Option<Vec<DateTime<Utc>>> {
    items.into_iter().map(Listed::listed_at).collect()
}

/// The first and last creation time of each page read of an oldest-first
/// list, to check that every page read agrees with the others.
#[derive(Default)]
struct OldestFirst {
    pages: BTreeMap<u64, (DateTime<Utc>, DateTime<Utc>)>,
    /// Every page read, and whether it was short (the end of the list).
    read: BTreeMap<u64, bool>,
    ids: HashSet<u64>,
}

impl OldestFirst {
    /// Notes page `n`; `Ok(false)` when it is out of order (inside, or with
    /// a page read before), so the list cannot be trusted to be oldest
    /// first.
    fn record<T: Listed>(&mut self, n: u64, items: &[T], path: &str) -> Result<bool> {
        self.read.insert(n, items.len() < PAGE);
        if items.len() >= PAGE && items.iter().all(|t| self.ids.contains(&t.list_id())) {
            return Err(repeated(path, n));
        }
        // Records never move in an oldest-first list: an id on two pages
        // means it is not one.
        if !items.iter().all(|t| self.ids.insert(t.list_id())) {
            return Ok(false);
        }
        let Some(times) = times(items) else {
            return Ok(false);
        };
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            return Ok(true);
        };
        let inside = times.windows(2).all(|w| w[0] <= w[1]);
        let before = self
            .pages
            .range(..n)
            .next_back()
            .is_none_or(|(_, (_, l))| *l <= first);
        let after = self
            .pages
            .range(n + 1..)
            .next()
            .is_none_or(|(_, (f, _))| last <= *f);
        self.pages.insert(n, (first, last));
        Ok(inside && before && after)
    }
}

const PAGE: usize = PAGE_SIZE as usize;

fn too_many(path: &str, n: u64) -> Error {
    Error::Pagination {
        method: reqwest::Method::GET,
        path: path.to_owned(),
        position: format!("page {n}"),
        kind: PaginationErrorKind::TooManyPages {
            max_pages: MAX_LOOKUP_PAGES as u32,
        },
    }
}

fn repeated(path: &str, n: u64) -> Error {
    Error::Pagination {
        method: reqwest::Method::GET,
        path: path.to_owned(),
        position: format!("page {n}"),
        kind: PaginationErrorKind::RepeatedPage,
    }
}

/// One lookup of a record in a BillPro list; see the [module
/// docs](super::Orders#lookups-that-cannot-miss).
pub(crate) struct Lookup<'a, T, M> {
    list: &'a Paginator<T>,
    earliest: Option<DateTime<Utc>>,
    concurrency: usize,
    matches: M,
    requests: u64,
}

impl<'a, T, M> Lookup<'a, T, M>
where
    T: Listed + serde::de::DeserializeOwned + Send + Sync + 'static,
    M: Fn(&T) -> bool + Sync,
{
    /// A lookup for the record `matches` accepts, created at or after
    /// `earliest` when given (anywhere in the list when not).
    pub(crate) fn new(
        list: &'a Paginator<T>,
        earliest: Option<DateTime<Utc>>,
        concurrency: usize,
        matches: M,
    ) -> Self {
        Lookup {
            list,
            earliest,
            concurrency: concurrency.max(1),
            matches,
            requests: 0,
        }
    }

    fn path(&self) -> &'static str {
        self.list.request().template()
    }

    /// Counts `k` page requests against the cap before they are sent.
    fn spend(&mut self, k: u64, n: u64) -> Result<()> {
        self.requests = self.requests.saturating_add(k);
        if self.requests > MAX_LOOKUP_PAGES {
            return Err(too_many(self.path(), n));
        }
        Ok(())
    }

    async fn fetch(&mut self, n: u64) -> Result<Vec<T>> {
        self.spend(1, n)?;
        Ok(self.list.page(n).await?.items)
    }

    /// The record sought, if on `items`: it matches and is not older than
    /// the lookup's start (a record without a time is not ruled out).
    fn hit(&self, items: &[T]) -> Option<T> {
        items
            .iter()
            .find(|t| {
                (self.matches)(t)
                    && self
                        .earliest
                        .is_none_or(|e| t.listed_at().is_none_or(|at| at >= e))
            })
            .cloned()
    }

    /// Whether `items` reaches the records the lookup wants: a short page
    /// (the end), or one ending at or after the start.
    fn reaches(&self, items: &[T]) -> bool {
        items.len() < PAGE
            || match (self.earliest, items.last().and_then(Listed::listed_at)) {
                (None, _) => true,
                (Some(e), Some(last)) => last >= e,
                (Some(_), None) => true,
            }
    }

    pub(crate) async fn run(mut self) -> Result<Option<T>> {
        let first = self.fetch(1).await?;
        if let Some(hit) = self.hit(&first) {
            return Ok(Some(hit));
        }
        if first.len() < PAGE {
            return Ok(None);
        }
        match direction(&first) {
            Direction::OldestFirst => self.oldest_first(first).await,
            Direction::NewestFirst => self.newest_first(first).await,
            Direction::Unsorted => self.in_turn(Some(first)).await,
        }
    }

    /// Finds the first page that reaches the start, then reads from there
    /// to the end.
    async fn oldest_first(mut self, first: Vec<T>) -> Result<Option<T>> {
        let path = self.path();
        let mut order = OldestFirst::default();
        if !order.record(1, &first, path)? {
            return self.in_turn(None).await;
        }
        if self.reaches(&first) {
            return self.forward(2, order).await;
        }
        // Page `below` ends before the start; page `above` reaches it.
        let mut below = 1u64;
        let mut n = 2u64;
        let (mut above, mut above_short) = loop {
            let items = self.fetch(n).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            if !order.record(n, &items, path)? {
                return self.in_turn(None).await;
            }
            if self.reaches(&items) {
                break (n, items.len() < PAGE);
            }
            below = n;
            n = n.checked_mul(2).ok_or_else(|| too_many(path, n))?;
        };
        while above - below > 1 {
            let mid = below + (above - below) / 2;
            let items = self.fetch(mid).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            if !order.record(mid, &items, path)? {
                return self.in_turn(None).await;
            }
            if self.reaches(&items) {
                (above, above_short) = (mid, items.len() < PAGE);
            } else {
                below = mid;
            }
        }
        // Every page up to `below` ends before the start, and `above`, the
        // next, has been read.
        if above_short {
            return Ok(None);
        }
        self.forward(above + 1, order).await
    }

    /// Reads pages `from`, `from + 1`, … to the end, `concurrency` at a
    /// time: safe only on an oldest-first list, where records never move.
    /// A page the search already read (after the lookup began, so it held
    /// then whatever it holds for the lookup) is not read again, and a short
    /// one read is the end.
    async fn forward(mut self, from: u64, mut order: OldestFirst) -> Result<Option<T>> {
        let path = self.path();
        let mut n = from;
        loop {
            let end = order
                .read
                .iter()
                .find(|(_, short)| **short)
                .map(|(p, _)| *p);
            let numbers: Vec<u64> = (n..)
                .filter(|p| !order.read.contains_key(p))
                .take_while(|p| end.is_none_or(|e| *p < e))
                .take(self.concurrency)
                .collect();
            let Some(&highest) = numbers.last() else {
                return Ok(None);
            };
            self.spend(numbers.len() as u64, n)?;
            let list = self.list;
            let pages = futures_util::future::try_join_all(
                numbers.iter().map(|&p| async move { list.page(p).await }),
            )
            .await?;
            for (&p, page) in numbers.iter().zip(pages) {
                if let Some(hit) = self.hit(&page.items) {
                    return Ok(Some(hit));
                }
                if !order.record(p, &page.items, path)? {
                    return self.in_turn(None).await;
                }
                if page.items.len() < PAGE {
                    return Ok(None);
                }
            }
            n = highest.checked_add(1).ok_or_else(|| too_many(path, n))?;
        }
    }

    /// Reads pages 2, 3, … one after the other until one ends before the
    /// start. A record added at the front between two reads shows up again
    /// on the next page and is skipped.
    async fn newest_first(mut self, first: Vec<T>) -> Result<Option<T>> {
        let path = self.path();
        let mut ids: HashSet<u64> = first.iter().map(Listed::list_id).collect();
        let Some(mut last) = first.last().and_then(Listed::listed_at) else {
            return self.in_turn(None).await;
        };
        let mut n = 1u64;
        loop {
            if self.earliest.is_some_and(|e| last < e) {
                return Ok(None);
            }
            n += 1;
            let items = self.fetch(n).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            let fresh: Vec<&T> = items
                .iter()
                .filter(|t| !ids.contains(&t.list_id()))
                .collect();
            if items.len() >= PAGE && fresh.is_empty() {
                return Err(repeated(path, n));
            }
            let in_order = times(fresh.iter().copied()).is_some_and(|times| {
                times.first().is_none_or(|f| *f <= last) && times.windows(2).all(|w| w[0] >= w[1])
            });
            if !in_order {
                return self.in_turn(None).await;
            }
            if items.len() < PAGE {
                return Ok(None);
            }
            ids.extend(fresh.iter().map(|t| t.list_id()));
            if let Some(t) = fresh.last().and_then(|t| t.listed_at()) {
                last = t;
            }
        }
    }

    /// Reads the whole list one page after the other, from page 1 (or from
    /// page 2 when page 1, already searched, is given). A record can only
    /// be pushed onto a later page by one added before it, never onto one
    /// already read.
    async fn in_turn(mut self, first: Option<Vec<T>>) -> Result<Option<T>> {
        let path = self.path();
        let mut ids = HashSet::new();
        let mut n = 1u64;
        if let Some(first) = first {
            ids.extend(first.iter().map(Listed::list_id));
            n = 2;
        }
        loop {
            let items = self.fetch(n).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            if items.len() < PAGE {
                return Ok(None);
            }
            let before = ids.len();
            ids.extend(items.iter().map(Listed::list_id));
            if ids.len() == before {
                return Err(repeated(path, n));
            }
            n += 1;
        }
    }
}
