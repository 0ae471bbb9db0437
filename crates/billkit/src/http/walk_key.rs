//! Where an item sits in its list's order, so that a walk resumed on a live
//! list yields each item once.
//!
//! Page positions move when records are created or deleted between a stop
//! and a resumption; an item's sort value and id do not. A keyed walk
//! remembers the last item it yielded ([`WalkMark`]), resumes one page
//! before its saved position (deletions move items back by up to a page)
//! and drops every item at or before the mark, page after page.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which way a list runs, by its items' [`ItemKey`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListOrder {
    /// Smallest sort value first: lists the server appends to.
    Ascending,
    /// Largest sort value first: newest-first lists.
    Descending,
}

/// An item's place in its list: the value the server sorts by, and the
/// item's id to tell apart items with the same value (a list sorted by a
/// creation time to the second has many ties, in the database's order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    sort: String,
    id: String,
}

impl ItemKey {
    /// A key from a sort value, compared as text byte by byte, and an id.
    pub fn new(sort: impl Into<String>, id: impl Into<String>) -> Self {
        ItemKey {
            sort: sort.into(),
            id: id.into(),
        }
    }

    /// A list sorted by one timestamp.
    pub fn time(at: DateTime<Utc>, id: impl ToString) -> Self {
        ItemKey::times(&[at], id)
    }

    /// A list sorted by several timestamps, the first one first (such as a
    /// period, then creation).
    pub fn times(at: &[DateTime<Utc>], id: impl ToString) -> Self {
        // Fixed-width UTC text compares as the times do.
        let mut sort = String::with_capacity(31 * at.len());
        for (i, t) in at.iter().enumerate() {
            if i > 0 {
                sort.push(' ');
            }
            let _ = write!(sort, "{}", t.format("%Y-%m-%dT%H:%M:%S%.9fZ"));
        }
        ItemKey::new(sort, id.to_string())
    }

    /// A list sorted by a numeric id alone.
    pub fn number(n: u64) -> Self {
        // Zero-padded so that text order is number order.
        ItemKey::new(format!("{n:020}"), n.to_string())
    }

    /// The sort value.
    pub fn sort(&self) -> &str {
        &self.sort
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The most ids a [`WalkMark`] keeps of items sharing one sort value, so
/// that a checkpoint stays small; past it the oldest ones are forgotten
/// (and could come again on a resumption among more than this many ties).
pub const MAX_TIED_IDS: usize = 1_000;

/// The last place a keyed walk yielded, saved in a
/// [`WalkCheckpoint`](super::WalkCheckpoint): the last item's sort value and the ids of the
/// items yielded with that same value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WalkMark {
    /// The sort value of the last item yielded.
    pub sort: String,
    /// The ids yielded with that sort value, at most [`MAX_TIED_IDS`].
    pub ids: Vec<String>,
}

/// A record of one of the APIs' lists: how the server orders the list and
/// where the record sits in it.
pub(crate) trait Listed: serde::de::DeserializeOwned + Send + 'static {
    const ORDER: ListOrder;
    fn key(&self) -> ItemKey;
}

/// Keys a list of the APIs' records by their server's order.
pub(crate) fn keyed<T: Listed>(list: super::Paginator<T>) -> super::Paginator<T> {
    list.ordered(T::ORDER, T::key)
}

/// How a keyed walk reads its items' places.
pub(crate) struct Keying<T> {
    pub(crate) order: ListOrder,
    pub(crate) key: fn(&T) -> ItemKey,
}

impl<T> Clone for Keying<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Keying<T> {}

/// Whether an item with `key` comes after `mark` in the list, i.e. was not
/// yielded yet.
pub(crate) fn is_unread(order: ListOrder, mark: Option<&WalkMark>, key: &ItemKey) -> bool {
    let Some(mark) = mark else { return true };
    match key.sort.as_str().cmp(mark.sort.as_str()) {
        std::cmp::Ordering::Equal => !mark.ids.contains(&key.id),
        std::cmp::Ordering::Less => order == ListOrder::Descending,
        std::cmp::Ordering::Greater => order == ListOrder::Ascending,
    }
}

/// Moves `mark` to an item just yielded.
pub(crate) fn advance(mark: &mut Option<WalkMark>, key: &ItemKey) {
    match mark {
        Some(m) if m.sort == key.sort => {
            if m.ids.len() >= MAX_TIED_IDS {
                m.ids.remove(0);
            }
            m.ids.push(key.id.clone());
        }
        // Reuse the mark's buffers: this runs for every item of a walk.
        Some(m) => {
            m.sort.clone_from(&key.sort);
            m.ids.clear();
            m.ids.push(key.id.clone());
        }
        None => {
            *mark = Some(WalkMark {
                sort: key.sort.clone(),
                ids: vec![key.id.clone()],
            })
        }
    }
}

/// Whether `next` may follow `prev` in a list running `order`.
pub(crate) fn in_order(order: ListOrder, prev: &ItemKey, next: &ItemKey) -> bool {
    match order {
        ListOrder::Ascending => prev.sort <= next.sort,
        ListOrder::Descending => prev.sort >= next.sort,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_are_told_apart_by_id_and_order_decides_the_rest() {
        let mut mark = None;
        let a = ItemKey::new("5", "a");
        advance(&mut mark, &a);
        advance(&mut mark, &ItemKey::new("5", "b"));
        let m = mark.as_ref();
        assert!(!is_unread(ListOrder::Descending, m, &a));
        assert!(is_unread(ListOrder::Descending, m, &ItemKey::new("5", "c")));
        assert!(is_unread(ListOrder::Descending, m, &ItemKey::new("4", "a")));
        assert!(!is_unread(
            ListOrder::Descending,
            m,
            &ItemKey::new("6", "z")
        ));
        assert!(is_unread(ListOrder::Ascending, m, &ItemKey::new("6", "z")));
        advance(&mut mark, &ItemKey::new("4", "x"));
        assert_eq!(mark.unwrap().ids, vec!["x".to_owned()]);
    }

    #[test]
    fn keys_sort_as_their_values() {
        assert!(ItemKey::number(9).sort() < ItemKey::number(10).sort());
        let t = |s: &str| crate::lenient::parse_timestamp(s).unwrap();
        let half = ItemKey::time(t("2026-12-03T07:46:00.5Z"), 1);
        let micro = ItemKey::time(t("2026-12-03T07:46:00.000001Z"), 2);
        assert!(half.sort() > micro.sort());
        assert!(ItemKey::time(t("2026-12-03T07:46:01Z"), 1).sort() > half.sort());
    }

    #[test]
    fn a_mark_keeps_a_bounded_number_of_ties() {
        let mut mark = None;
        for i in 0..MAX_TIED_IDS + 5 {
            advance(&mut mark, &ItemKey::new("s", i.to_string()));
        }
        let mark = mark.unwrap();
        assert_eq!(mark.ids.len(), MAX_TIED_IDS);
        assert_eq!(mark.ids[0], "5");
    }
}
