//! Change feeds: a list walked every interval and diffed against a compact
//! snapshot, whose checkpoint survives restarts.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_core::Stream;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::http::{Clock, Paginator, Sleeper, Transport};

/// A record a [`Feed`] can watch: what identifies it and the two things
/// whose changes are named (its status and its amount). Everything else
/// is compared through a hash of the record's serialised form.
pub trait Watched: Serialize + DeserializeOwned + Clone + Debug + Send + Sync + 'static {
    /// Names the list in checkpoints (`"billmora.invoices"`), so a
    /// checkpoint of one list is refused by a feed of another.
    const KIND: &'static str;
    /// The record's id.
    type Id: Clone + Ord + Debug + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The state a [`Change::StatusChanged`] reports.
    type Status: Clone + PartialEq + Debug + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The amount a [`Change::AmountChanged`] reports.
    type Amount: Clone + PartialEq + Debug + Serialize + DeserializeOwned + Send + Sync + 'static;
    /// The record's id.
    fn id(&self) -> Self::Id;
    /// The record's state.
    fn status(&self) -> Self::Status;
    /// The record's amount.
    fn amount(&self) -> Self::Amount;
}

/// One change a [`Feed`] saw between two walks of its list.
///
/// When one record changed both its status and its amount, the feed yields
/// two events for it, status first. A record whose status, amount and
/// everything else went and came back between two walks yields nothing
/// (see the [module docs](super)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Change<T: Watched> {
    /// A record that was not in the list before (or, on a feed's first
    /// walk with [`FeedOptions::include_existing`], any record).
    Created(T),
    /// The record's status changed.
    StatusChanged {
        /// The record as read now.
        record: T,
        /// The status before.
        from: T::Status,
        /// The status now.
        to: T::Status,
    },
    /// The record's amount changed.
    AmountChanged {
        /// The record as read now.
        record: T,
        /// The amount before.
        from: T::Amount,
        /// The amount now.
        to: T::Amount,
    },
    /// Something other than the status and amount changed (a due date, a
    /// note, a timestamp).
    Updated(T),
    /// The record is no longer in the list: deleted, or (for a list with a
    /// filter) no longer matching it. Reported once it is missing from two
    /// walks in a row, so a record that a walk missed because another was
    /// deleted while it ran is not reported deleted.
    Deleted {
        /// The id of the record that left.
        id: T::Id,
    },
}

impl<T: Watched> Change<T> {
    /// The id of the record the change is about.
    pub fn id(&self) -> T::Id {
        match self {
            Change::Created(r) | Change::Updated(r) => r.id(),
            Change::StatusChanged { record, .. } | Change::AmountChanged { record, .. } => {
                record.id()
            }
            Change::Deleted { id } => id.clone(),
        }
    }

    /// The record as read, except for [`Deleted`](Change::Deleted).
    pub fn record(&self) -> Option<&T> {
        match self {
            Change::Created(r) | Change::Updated(r) => Some(r),
            Change::StatusChanged { record, .. } | Change::AmountChanged { record, .. } => {
                Some(record)
            }
            Change::Deleted { .. } => None,
        }
    }
}

/// The default pause between two walks of a feed's list: one minute.
pub const DEFAULT_FEED_INTERVAL: Duration = Duration::from_secs(60);

/// The shortest pause a feed accepts between two walks.
pub const MIN_FEED_INTERVAL: Duration = Duration::from_millis(100);

/// How a [`Feed`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FeedOptions {
    /// The least time between the starts of two walks
    /// ([`DEFAULT_FEED_INTERVAL`] unless set).
    pub interval: Duration,
    /// Whether the first walk of a new feed reports every record as
    /// [`Change::Created`] (`false`: it only takes the baseline).
    pub include_existing: bool,
}

impl Default for FeedOptions {
    fn default() -> Self {
        FeedOptions {
            interval: DEFAULT_FEED_INTERVAL,
            include_existing: false,
        }
    }
}

impl FeedOptions {
    /// The defaults: one walk a minute, the first walk a silent baseline.
    pub fn new() -> Self {
        Self::default()
    }

    /// The least time between the starts of two walks; below
    /// [`MIN_FEED_INTERVAL`] it is taken as that.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Whether a new feed's first walk reports every record as created.
    pub fn include_existing(mut self, yes: bool) -> Self {
        self.include_existing = yes;
        self
    }
}

/// The version of [`FeedCheckpoint`]'s layout written by this billkit.
pub const FEED_CHECKPOINT_VERSION: u32 = 1;

/// What a [`Feed`] has reported so far, to save and resume from
/// ([`Feed::resume`]): per record only its id, status, amount and a
/// 64-bit hash of the rest. Serialises with serde (JSON, ...).
///
/// Taken after an event, it covers exactly the events yielded up to it: a
/// feed resumed from it yields the next ones. Save it in the same
/// transaction as your own handling of the event for exactly-once; save it
/// later and a restart repeats the events since (at least once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = ""))]
pub struct FeedCheckpoint<T: Watched> {
    /// The layout's version ([`FEED_CHECKPOINT_VERSION`]).
    pub version: u32,
    /// The list watched ([`Watched::KIND`]).
    pub kind: String,
    /// Whether the first walk (the baseline) was taken.
    pub primed: bool,
    /// When the last walk started (Unix milliseconds), so a resumed feed
    /// keeps the interval.
    #[serde(default)]
    pub polled_at_ms: Option<i64>,
    /// One entry per record, in id order.
    pub records: Vec<CheckpointEntry<T>>,
}

/// One record of a [`FeedCheckpoint`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "", deserialize = ""))]
pub struct CheckpointEntry<T: Watched> {
    /// The record's id.
    pub id: T::Id,
    /// Its status as last reported.
    pub status: T::Status,
    /// Its amount as last reported.
    pub amount: T::Amount,
    /// A hash of the rest, 16 hex digits.
    pub rest: String,
    /// Missing from the last walk (reported deleted if the next misses it
    /// too).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

/// The per-record digest: all a feed keeps of a record.
#[derive(Debug, Clone, PartialEq)]
struct Digest<S, A> {
    status: S,
    amount: A,
    rest: u64,
}

type DigestOf<T> = Digest<<T as Watched>::Status, <T as Watched>::Amount>;

#[derive(Debug, Clone)]
struct Entry<T: Watched> {
    digest: DigestOf<T>,
    missing: bool,
}

#[derive(Debug)]
struct Snapshot<T: Watched> {
    primed: bool,
    polled_at: Option<SystemTime>,
    records: BTreeMap<T::Id, Entry<T>>,
}

// By hand: a derive would ask `T: Clone` of the record type's parameters.
impl<T: Watched> Clone for Snapshot<T> {
    fn clone(&self) -> Self {
        Snapshot {
            primed: self.primed,
            polled_at: self.polled_at,
            records: self.records.clone(),
        }
    }
}

fn digest<T: Watched>(record: &T) -> DigestOf<T> {
    Digest {
        status: record.status(),
        amount: record.amount(),
        rest: fnv1a(&serde_json::to_vec(record).unwrap_or_default()),
    }
}

/// FNV-1a, 64 bits: stable across processes and versions, which the
/// standard library's hasher does not promise, and a checkpoint needs.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// What yielding an event does to the snapshot.
enum Edit<T: Watched> {
    Put(T::Id, DigestOf<T>),
    Remove(T::Id),
}

struct Pending<T: Watched> {
    change: Change<T>,
    edit: Edit<T>,
}

/// A finished walk: when it started and what differed from the snapshot.
struct Walked<T: Watched> {
    started: Instant,
    wall: SystemTime,
    result: Result<Walk<T>>,
}

struct Walk<T: Watched> {
    seen: BTreeSet<T::Id>,
    /// Records new or different from the snapshot, with their digests.
    changed: Vec<(T::Id, DigestOf<T>, T)>,
}

type WalkFuture<T> = Pin<Box<dyn Future<Output = Walked<T>> + Send>>;

/// A [`Stream`] of the [`Change`]s of one list, found by walking it every
/// interval and comparing it with what was seen before.
///
/// Each item is a change, or the error of a walk that failed (after the
/// client's own retries): that walk reports nothing and changes nothing,
/// and the stream goes on with the next walk one interval later. A walk is
/// read whole (through the list's [`Paginator`], so through the client's
/// retries and rate limit) before anything is reported, so a walk cut
/// short reports no deletions. The changes of one walk come in id order.
///
/// [`checkpoint`](Feed::checkpoint) saves where the feed stands;
/// [`resume`](Feed::resume) starts from it. Dropping the feed stops it:
/// nothing more is sent.
pub struct Feed<T: Watched> {
    list: Paginator<T>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    options: FeedOptions,
    snapshot: Arc<Snapshot<T>>,
    pending: VecDeque<Pending<T>>,
    next_walk_at: Option<Instant>,
    in_flight: Option<WalkFuture<T>>,
    walks: u64,
    failed_walks: u64,
}

impl<T: Watched> Debug for Feed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("kind", &T::KIND)
            .field("options", &self.options)
            .field("records", &self.snapshot.records.len())
            .field("pending", &self.pending.len())
            .field("walks", &self.walks)
            .field("failed_walks", &self.failed_walks)
            .finish()
    }
}

// Nothing in a feed is pinned in place: the walk in flight is boxed.
impl<T: Watched> Unpin for Feed<T> {}

impl<T: Watched> Feed<T> {
    /// A feed of `list`, paced on `transport`'s clock and sleeper (the
    /// client's: `client.transport()`). `list` may carry a filter; then a
    /// record leaving the filter is reported [`Change::Deleted`]. Its first
    /// walk starts at once (a resumed one waits: [`resume`](Feed::resume)).
    pub fn new(transport: &Transport, list: Paginator<T>, options: FeedOptions) -> Self {
        let options = FeedOptions {
            interval: options.interval.max(MIN_FEED_INTERVAL),
            ..options
        };
        Feed {
            list,
            clock: transport.clock().clone(),
            sleeper: transport.sleeper().clone(),
            options,
            snapshot: Arc::new(Snapshot {
                primed: false,
                polled_at: None,
                records: BTreeMap::new(),
            }),
            pending: VecDeque::new(),
            next_walk_at: None,
            in_flight: None,
            walks: 0,
            failed_walks: 0,
        }
    }

    /// The feed as it stood at `checkpoint`: the next walk waits for the
    /// rest of the interval since the checkpoint's last walk, then reports
    /// every change since. Fails with [`Error::InvalidInput`] on a
    /// checkpoint of another list or version, or a damaged one.
    pub fn resume(mut self, checkpoint: &FeedCheckpoint<T>) -> Result<Self> {
        let bad = |message: String| Error::InvalidInput {
            field: "checkpoint".into(),
            message,
        };
        if checkpoint.version != FEED_CHECKPOINT_VERSION {
            return Err(bad(format!(
                "version {} is not the {} this billkit reads",
                checkpoint.version, FEED_CHECKPOINT_VERSION
            )));
        }
        if checkpoint.kind != T::KIND {
            return Err(bad(format!(
                "it is a checkpoint of {}, not of {}: resume each feed from its own",
                checkpoint.kind,
                T::KIND
            )));
        }
        let mut records = BTreeMap::new();
        for e in &checkpoint.records {
            let rest = u64::from_str_radix(&e.rest, 16)
                .ok()
                .filter(|_| e.rest.len() == 16)
                .ok_or_else(|| bad(format!("record {:?}: rest is not 16 hex digits", e.id)))?;
            let entry = Entry {
                digest: Digest {
                    status: e.status.clone(),
                    amount: e.amount.clone(),
                    rest,
                },
                missing: e.missing,
            };
            if records.insert(e.id.clone(), entry).is_some() {
                return Err(bad(format!("record {:?} appears twice", e.id)));
            }
        }
        let polled_at = checkpoint
            .polled_at_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
        // The rest of the interval, by the wall clock: another process's
        // monotonic clock means nothing here.
        self.next_walk_at = polled_at.map(|at| {
            let since = self
                .clock
                .system_now()
                .duration_since(at)
                .unwrap_or_default();
            self.clock.now() + self.options.interval.saturating_sub(since)
        });
        self.snapshot = Arc::new(Snapshot {
            primed: checkpoint.primed,
            polled_at,
            records,
        });
        self.pending.clear();
        self.in_flight = None;
        Ok(self)
    }

    /// Where the feed stands: every change yielded so far, none of those
    /// still to come.
    pub fn checkpoint(&self) -> FeedCheckpoint<T> {
        let s = &self.snapshot;
        FeedCheckpoint {
            version: FEED_CHECKPOINT_VERSION,
            kind: T::KIND.to_owned(),
            primed: s.primed,
            // Rounded up: a resumed feed may wait a millisecond longer,
            // never shorter.
            polled_at_ms: s
                .polled_at
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_micros().div_ceil(1000)).ok()),
            records: s
                .records
                .iter()
                .map(|(id, e)| CheckpointEntry {
                    id: id.clone(),
                    status: e.digest.status.clone(),
                    amount: e.digest.amount.clone(),
                    rest: format!("{:016x}", e.digest.rest),
                    missing: e.missing,
                })
                .collect(),
        }
    }

    /// How many records the feed keeps a digest of.
    pub fn watched(&self) -> usize {
        self.snapshot.records.len()
    }

    /// How many walks finished, failed ones included.
    pub fn walks(&self) -> u64 {
        self.walks
    }

    /// How many walks failed.
    pub fn failed_walks(&self) -> u64 {
        self.failed_walks
    }

    /// How many changes of the last walk are still to be yielded.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Walks the list once (after waiting for the interval since the last
    /// walk to pass) and queues its changes, returning how many; the
    /// stream then yields them without walking again. Changes queued
    /// earlier and not yet yielded are replaced by this walk's (which
    /// include them, as they are measured from the same snapshot). For a
    /// caller that wants to know where one walk ends.
    pub async fn poll_once(&mut self) -> Result<usize> {
        let walk = match self.in_flight.take() {
            Some(walk) => walk,
            None => self.start_walk(),
        };
        let walked = walk.await;
        self.pending.clear();
        self.absorb(walked)?;
        Ok(self.pending.len())
    }

    fn start_walk(&self) -> WalkFuture<T> {
        let clock = self.clock.clone();
        let sleeper = self.sleeper.clone();
        let list = self.list.clone();
        let snapshot = self.snapshot.clone();
        let due = self.next_walk_at;
        Box::pin(async move {
            if let Some(due) = due {
                let wait = due.saturating_duration_since(clock.now());
                if !wait.is_zero() {
                    sleeper.sleep(wait).await;
                }
            }
            let started = clock.now();
            let wall = clock.system_now();
            let result = walk(list, &snapshot).await;
            Walked {
                started,
                wall,
                result,
            }
        })
    }

    /// Turns a finished walk into queued changes.
    fn absorb(&mut self, walked: Walked<T>) -> Result<()> {
        self.walks += 1;
        self.next_walk_at = Some(walked.started + self.options.interval);
        let walk = match walked.result {
            Ok(walk) => walk,
            Err(e) => {
                self.failed_walks += 1;
                tracing::debug!(kind = T::KIND, error = %e, "a feed's walk failed; nothing reported from it");
                return Err(e);
            }
        };
        let snapshot = Arc::make_mut(&mut self.snapshot);
        snapshot.polled_at = Some(walked.wall);
        if !snapshot.primed {
            snapshot.primed = true;
            if !self.options.include_existing {
                snapshot.records = walk
                    .changed
                    .into_iter()
                    .map(|(id, digest, _)| {
                        (
                            id,
                            Entry {
                                digest,
                                missing: false,
                            },
                        )
                    })
                    .collect();
                return Ok(());
            }
        }
        // Records seen again lose their mark; records missing once are
        // marked, twice are reported deleted. The marks are no event, so
        // they are kept at once.
        let mut deleted = Vec::new();
        for (id, entry) in snapshot.records.iter_mut() {
            if walk.seen.contains(id) {
                entry.missing = false;
            } else if entry.missing {
                deleted.push(id.clone());
            } else {
                entry.missing = true;
            }
        }
        let mut changed = walk.changed;
        changed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut changes = Vec::new();
        for (id, new, record) in changed {
            match snapshot.records.get(&id) {
                None => changes.push((
                    id.clone(),
                    Pending {
                        change: Change::Created(record),
                        edit: Edit::Put(id, new),
                    },
                )),
                Some(old) => diff(&id, &old.digest, new, record, &mut changes),
            }
        }
        for id in deleted {
            changes.push((
                id.clone(),
                Pending {
                    change: Change::Deleted { id: id.clone() },
                    edit: Edit::Remove(id),
                },
            ));
        }
        // Stable: a record's own events keep their order.
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        self.pending = changes.into_iter().map(|(_, p)| p).collect();
        Ok(())
    }

    fn apply(&mut self, edit: Edit<T>) {
        let snapshot = Arc::make_mut(&mut self.snapshot);
        match edit {
            Edit::Put(id, digest) => {
                snapshot.records.insert(
                    id,
                    Entry {
                        digest,
                        missing: false,
                    },
                );
            }
            Edit::Remove(id) => {
                snapshot.records.remove(&id);
            }
        }
    }
}

/// The events of one record that differs from its digest: status, then
/// amount, then anything else; each event's edit is the digest as it
/// stands after it, so a checkpoint between two of them resumes with the
/// second.
fn diff<T: Watched>(
    id: &T::Id,
    old: &DigestOf<T>,
    new: DigestOf<T>,
    record: T,
    out: &mut Vec<(T::Id, Pending<T>)>,
) {
    let status_changed = old.status != new.status;
    let amount_changed = old.amount != new.amount;
    if status_changed {
        let after = if amount_changed {
            Digest {
                status: new.status.clone(),
                amount: old.amount.clone(),
                rest: old.rest,
            }
        } else {
            new.clone()
        };
        out.push((
            id.clone(),
            Pending {
                change: Change::StatusChanged {
                    record: record.clone(),
                    from: old.status.clone(),
                    to: new.status.clone(),
                },
                edit: Edit::Put(id.clone(), after),
            },
        ));
    }
    if amount_changed {
        out.push((
            id.clone(),
            Pending {
                change: Change::AmountChanged {
                    record: record.clone(),
                    from: old.amount.clone(),
                    to: new.amount.clone(),
                },
                edit: Edit::Put(id.clone(), new.clone()),
            },
        ));
    }
    if !status_changed && !amount_changed && old.rest != new.rest {
        out.push((
            id.clone(),
            Pending {
                change: Change::Updated(record),
                edit: Edit::Put(id.clone(), new),
            },
        ));
    }
}

/// Reads the whole list, keeping only the ids seen and the records that
/// differ from `snapshot`: memory for the walk is the ids, not the records.
async fn walk<T: Watched>(list: Paginator<T>, snapshot: &Snapshot<T>) -> Result<Walk<T>> {
    let mut items = list.stream();
    let mut seen = BTreeSet::new();
    let mut changed = Vec::new();
    while let Some(item) = items.next().await {
        let record = item?;
        let id = record.id();
        // A record listed twice in one walk is read once.
        if seen.contains(&id) {
            continue;
        }
        let d = digest(&record);
        if snapshot.records.get(&id).is_none_or(|e| e.digest != d) {
            changed.push((id.clone(), d, record));
        }
        seen.insert(id);
    }
    Ok(Walk { seen, changed })
}

impl<T: Watched> Stream for Feed<T> {
    type Item = Result<Change<T>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(p) = this.pending.pop_front() {
                this.apply(p.edit);
                return Poll::Ready(Some(Ok(p.change)));
            }
            let walk = match this.in_flight.as_mut() {
                Some(walk) => walk,
                None => this.in_flight.insert(this.start_walk()),
            };
            let walked = match walk.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(walked) => walked,
            };
            this.in_flight = None;
            if let Err(e) = this.absorb(walked) {
                return Poll::Ready(Some(Err(e)));
            }
        }
    }
}
