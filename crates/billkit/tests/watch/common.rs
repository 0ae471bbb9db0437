//! The harness the feed tests share: one time for the client and the
//! sandbox, the events as the script's own log predicts them, and a
//! driver that walks, kills and resumes a feed under aimed faults.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use billkit::StreamExt;
use billkit::http::{Clock, ManualClock, SleepFuture, Sleeper};
use billkit::watch::{Change, Feed, FeedCheckpoint, Watched};
use billkit_sandbox::{FakeServer, Faults, SandboxClock};

/// The client's clock and the sandbox's, moved together: a feed's pause
/// of a minute is a minute for the server too (its timestamps, and
/// Billmora's per-minute quota), and no real time passes.
#[derive(Debug, Clone)]
pub struct SharedTime {
    pub manual: ManualClock,
    pub sandbox: SandboxClock,
}

impl SharedTime {
    pub fn new(sandbox: SandboxClock) -> Self {
        SharedTime {
            // Whole seconds, so times kept in milliseconds are exact.
            manual: ManualClock::starting_at(
                UNIX_EPOCH
                    + Duration::from_secs(
                        SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .unwrap()
                            .as_secs(),
                    ),
            ),
            sandbox,
        }
    }

    pub fn sleeper(&self) -> Arc<dyn Sleeper> {
        Arc::new(self.clone())
    }
}

impl Clock for SharedTime {
    fn now(&self) -> Instant {
        self.manual.now()
    }
    fn system_now(&self) -> SystemTime {
        self.manual.system_now()
    }
}

impl Sleeper for SharedTime {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.sandbox.advance(duration);
        self.manual.sleep(duration)
    }
}

/// What the script knows of one record: its status and amount, and how
/// many times the script changed it.
#[derive(Debug)]
pub struct Model<T: Watched> {
    pub status: T::Status,
    pub amount: T::Amount,
    pub version: u32,
}

impl<T: Watched> Clone for Model<T> {
    fn clone(&self) -> Self {
        Model {
            status: self.status.clone(),
            amount: self.amount.clone(),
            version: self.version,
        }
    }
}

impl<T: Watched> Model<T> {
    pub fn of(record: &T) -> Self {
        Model {
            status: record.status(),
            amount: record.amount(),
            version: 0,
        }
    }
}

/// The records as the script's log says they are.
pub type Truth<T> = BTreeMap<<T as Watched>::Id, Model<T>>;

/// A change as compared: what happened to which record.
#[derive(Debug)]
pub enum Ev<T: Watched> {
    Created(T::Id),
    Status(T::Id, T::Status, T::Status),
    Amount(T::Id, T::Amount, T::Amount),
    Updated(T::Id),
    Deleted(T::Id),
}

impl<T: Watched> Clone for Ev<T> {
    fn clone(&self) -> Self {
        match self {
            Ev::Created(i) => Ev::Created(i.clone()),
            Ev::Status(i, a, b) => Ev::Status(i.clone(), a.clone(), b.clone()),
            Ev::Amount(i, a, b) => Ev::Amount(i.clone(), a.clone(), b.clone()),
            Ev::Updated(i) => Ev::Updated(i.clone()),
            Ev::Deleted(i) => Ev::Deleted(i.clone()),
        }
    }
}

impl<T: Watched> PartialEq for Ev<T> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Ev::Created(a), Ev::Created(b))
            | (Ev::Updated(a), Ev::Updated(b))
            | (Ev::Deleted(a), Ev::Deleted(b)) => a == b,
            (Ev::Status(a, f, t), Ev::Status(b, g, u)) => a == b && f == g && t == u,
            (Ev::Amount(a, f, t), Ev::Amount(b, g, u)) => a == b && f == g && t == u,
            _ => false,
        }
    }
}

impl<T: Watched> Ev<T> {
    pub fn of(change: &Change<T>) -> Self {
        match change {
            Change::Created(r) => Ev::Created(r.id()),
            Change::StatusChanged { record, from, to } => {
                Ev::Status(record.id(), from.clone(), to.clone())
            }
            Change::AmountChanged { record, from, to } => {
                Ev::Amount(record.id(), from.clone(), to.clone())
            }
            Change::Updated(r) => Ev::Updated(r.id()),
            Change::Deleted { id } => Ev::Deleted(id.clone()),
            _ => panic!("a change this test does not know"),
        }
    }

    pub fn id(&self) -> &T::Id {
        match self {
            Ev::Created(i) | Ev::Updated(i) | Ev::Deleted(i) => i,
            Ev::Status(i, ..) | Ev::Amount(i, ..) => i,
        }
    }
}

/// In id order, a record's own events in the order given (stable).
pub fn by_id<T: Watched>(events: &mut [Ev<T>]) {
    events.sort_by(|a, b| a.id().cmp(b.id()));
}

/// What the events of a walk must be, from the script's log alone: what
/// was reported so far (per record its status, amount and version), and
/// the records one walk missed.
#[derive(Debug)]
pub struct Oracle<T: Watched> {
    reported: Truth<T>,
    missing: BTreeSet<T::Id>,
}

impl<T: Watched> Clone for Oracle<T> {
    fn clone(&self) -> Self {
        Oracle {
            reported: self.reported.clone(),
            missing: self.missing.clone(),
        }
    }
}

impl<T: Watched> Oracle<T> {
    /// The baseline: everything as it is now, reported.
    pub fn baseline(truth: &Truth<T>) -> Self {
        Oracle {
            reported: truth.clone(),
            missing: BTreeSet::new(),
        }
    }

    /// A walk that succeeded: the events it must yield, in order. Marks
    /// the records missed once (a feed keeps those marks at once).
    pub fn walk(&mut self, truth: &Truth<T>) -> Vec<Ev<T>> {
        let mut events = Vec::new();
        for (id, now) in truth {
            match self.reported.get(id) {
                None => events.push(Ev::Created(id.clone())),
                Some(was) => {
                    if was.status != now.status {
                        events.push(Ev::Status(
                            id.clone(),
                            was.status.clone(),
                            now.status.clone(),
                        ));
                    }
                    if was.amount != now.amount {
                        events.push(Ev::Amount(
                            id.clone(),
                            was.amount.clone(),
                            now.amount.clone(),
                        ));
                    }
                    if was.status == now.status
                        && was.amount == now.amount
                        && was.version != now.version
                    {
                        events.push(Ev::Updated(id.clone()));
                    }
                }
            }
        }
        let ids: Vec<T::Id> = self.reported.keys().cloned().collect();
        for id in ids {
            if truth.contains_key(&id) {
                self.missing.remove(&id);
            } else if self.missing.contains(&id) {
                events.push(Ev::Deleted(id));
            } else {
                self.missing.insert(id);
            }
        }
        by_id(&mut events);
        events
    }

    /// One event consumed: what it reports is now reported.
    pub fn consume(&mut self, ev: &Ev<T>, truth: &Truth<T>) {
        match ev {
            Ev::Created(id) | Ev::Updated(id) | Ev::Amount(id, ..) => {
                self.reported.insert(id.clone(), truth[id].clone());
                self.missing.remove(id);
            }
            Ev::Status(id, _, to) => {
                let now = &truth[id];
                let entry = self.reported.get_mut(id).expect("reported before");
                entry.status = to.clone();
                // Its amount change, if any, comes next and brings the rest.
                if entry.amount == now.amount {
                    entry.version = now.version;
                }
            }
            Ev::Deleted(id) => {
                self.reported.remove(id);
                self.missing.remove(id);
            }
        }
    }
}

/// A client of `$sandbox` on `$time`'s manual clock, pausing with
/// `$sleeper` (a `SharedTime`'s own, or one that also acts).
macro_rules! client {
    ($sandbox:expr, $time:expr, $sleeper:expr) => {
        $sandbox
            .client_builder()
            .manual_time(&$time.manual)
            .sleeper($sleeper)
            .build()
            .unwrap()
    };
}
pub(crate) use client;

/// A script of random changes to one list of a sandbox.
pub trait Script: Sized {
    type T: Watched;
    /// A fresh sandbox and its client, on shared manual time.
    fn start() -> impl Future<Output = Self>;
    /// The records there before the feed starts.
    fn prepare(&mut self) -> impl Future<Output = ()>;
    /// Applies a few random changes (each record at most once) and logs
    /// them in the truth.
    fn step(&mut self, rng: &mut fastrand::Rng) -> impl Future<Output = ()>;
    fn truth(&self) -> &Truth<Self::T>;
    /// The fake serving the list.
    fn server(&self) -> &FakeServer;
    fn faults(&self) -> &Faults {
        self.server().faults()
    }
    /// The method and path the feed's list is read at.
    fn list_route(&self) -> (&'static str, &'static str);
    /// A new feed of the list (its first walk a silent baseline).
    fn feed(&self) -> Feed<Self::T>;
    /// How many 429 answers the server sent of its own (its quota), not
    /// by a fault.
    fn throttled(&self) -> usize {
        throttled(self.server().journal())
    }
}

/// A fresh script over `seed`'s changes, checked by [`run`] and asked to
/// have walked, failed, killed and reported enough to prove something.
async fn scripted<S: Script>(seed: u64, saved: Saved) -> Run {
    let mut script = S::start().await;
    script.prepare().await;
    let run = run(&mut script, seed, 40, saved).await;
    eprintln!(
        "{}, seed {seed}, {saved:?}: {run:?}",
        <S::T as Watched>::KIND
    );
    assert!(run.walks_ok >= 15 && run.walks_failed >= 1, "{run:?}");
    assert!(run.kills >= 1 && run.events >= 30, "{run:?}");
    run
}

/// Checkpoints saved with each event: every change exactly once.
pub async fn exactly_once<S: Script>(seeds: [u64; 3]) {
    for seed in seeds {
        scripted::<S>(seed, Saved::AfterEachEvent).await;
    }
}

/// Checkpoints saved before each walk: repeats, and never a miss.
pub async fn at_least_once<S: Script>(seeds: [u64; 3]) {
    let mut repeated = 0;
    for seed in seeds {
        repeated += scripted::<S>(seed, Saved::BeforeEachWalk).await.repeated;
    }
    assert!(
        repeated >= 1,
        "a late checkpoint repeated nothing: no kill came mid-walk"
    );
}

/// When a killed feed's checkpoint was saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// With each event (the consumer's own write): exactly once.
    AfterEachEvent,
    /// Only before each walk's events: the events since are repeated.
    BeforeEachWalk,
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Run {
    pub walks_ok: usize,
    pub walks_failed: usize,
    pub events: usize,
    pub kills: usize,
    pub repeated: usize,
}

/// The 429s a fake answered of its own (its quota), not by a fault.
pub fn throttled(journal: &billkit_sandbox::Journal) -> usize {
    journal
        .entries()
        .iter()
        .filter(|e| e.status == Some(429) && e.fault.is_none())
        .count()
}

fn reload<T: Watched>(checkpoint: &FeedCheckpoint<T>) -> FeedCheckpoint<T> {
    let json = serde_json::to_string(checkpoint).unwrap();
    serde_json::from_str(&json).unwrap()
}

/// Runs `rounds` rounds of: random changes, a random fault aimed at the
/// list, one walk, its events taken one by one (compared with the
/// oracle's), and now and then a kill mid-walk and a restart from the
/// checkpoint saved as `saved` says.
pub async fn run<S: Script>(script: &mut S, seed: u64, rounds: usize, saved: Saved) -> Run {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Run::default();
    let mut feed = script.feed();
    assert_eq!(
        feed.poll_once().await.unwrap(),
        0,
        "the first walk is the baseline"
    );
    let mut oracle = Oracle::baseline(script.truth());
    let mut checkpoint = reload(&feed.checkpoint());
    let mut oracle_saved = oracle.clone();
    let (method, path) = script.list_route();
    for round in 0..rounds {
        script.step(&mut rng).await;
        let armed = match rng.u8(0..8) {
            0 => {
                script
                    .faults()
                    .on(method, path)
                    .drop_connection(rng.u32(1..=4));
                true
            }
            1 => {
                script.faults().on(method, path).truncate(rng.u32(1..=4));
                true
            }
            2 => {
                script.faults().on(method, path).throttle(rng.u32(1..=4), 1);
                true
            }
            3 => {
                script.faults().on(method, path).malformed_body(1);
                true
            }
            _ => false,
        };
        if saved == Saved::BeforeEachWalk {
            checkpoint = reload(&feed.checkpoint());
            oracle_saved = oracle.clone();
        }
        let walked = feed.poll_once().await;
        script.faults().clear();
        let n = match walked {
            Err(e) => {
                assert!(armed, "round {round}: a walk without faults failed: {e}");
                assert_eq!(feed.pending(), 0, "a failed walk queues nothing");
                out.walks_failed += 1;
                continue;
            }
            Ok(n) => n,
        };
        out.walks_ok += 1;
        let expected = oracle.walk(script.truth());
        assert_eq!(n, expected.len(), "round {round}: {expected:?}");
        let kill_at = if n > 0 && rng.u8(0..3) == 0 {
            Some(rng.usize(0..n))
        } else {
            None
        };
        let mut got = Vec::new();
        for (i, want) in expected.iter().enumerate() {
            if kill_at == Some(i) {
                break;
            }
            let change = feed
                .next()
                .await
                .expect("a queued event")
                .expect("not an error");
            got.push(Ev::of(&change));
            oracle.consume(want, script.truth());
            if saved == Saved::AfterEachEvent {
                checkpoint = reload(&feed.checkpoint());
                oracle_saved = oracle.clone();
            }
        }
        let want = &expected[..got.len()];
        assert!(
            got == want,
            "round {round}: events\n got {got:?}\nwant {want:?}"
        );
        out.events += got.len();
        if kill_at.is_some() {
            // The process dies; the next one starts from what was saved.
            drop(feed);
            feed = script.feed().resume(&checkpoint).unwrap();
            if saved == Saved::BeforeEachWalk {
                out.repeated += got.len();
            }
            oracle = oracle_saved.clone();
            out.kills += 1;
        }
    }
    assert_eq!(script.throttled(), 0, "a 429 from the server's own quota");
    out
}
