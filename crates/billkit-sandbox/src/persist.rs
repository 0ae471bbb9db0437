//! The fakes' state as JSON: snapshots, restores, and a state file kept
//! up to date after each change.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a saved state could not be loaded or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum StateError {
    /// The document is not a state the sandbox can load; says what is wrong.
    Invalid(String),
    /// The state file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Invalid(why) => f.write_str(why),
            StateError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for StateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StateError::Invalid(_) => None,
            StateError::Io { source, .. } => Some(source),
        }
    }
}

/// One fake's state as JSON. The states hold only JSON-friendly values
/// (strings, numbers, maps with string keys), so this cannot fail; were it
/// to, the marker it returns is refused by `restore` rather than saved as
/// an empty state.
pub(crate) fn snapshot<S: Serialize>(state: &S) -> Value {
    serde_json::to_value(state)
        .unwrap_or_else(|e| serde_json::json!({ "unsaveable_state": e.to_string() }))
}

/// One fake's state read back from JSON, or an error naming the API.
pub(crate) fn restore<S: DeserializeOwned>(document: &Value, api: &str) -> Result<S, StateError> {
    S::deserialize(document).map_err(|e| {
        StateError::Invalid(format!(
            "the `{api}` part is not a {api} sandbox state: {e}"
        ))
    })
}

#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
pub use whole::*;

#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
mod whole {
    use std::sync::{Arc, Mutex};

    use serde::Serialize;
    use serde_json::{Value, json};

    use std::path::Path;

    use super::{PathBuf, StateError};
    use crate::Sandbox;

    /// The `format` field of a state document, which marks a file as one.
    pub const STATE_FORMAT: &str = "billkit-sandbox-state";
    /// The `version` of the state documents this build writes and reads.
    pub const STATE_VERSION: u64 = 1;

    /// What [`Sandbox::run_due_billing`] changed.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
    #[non_exhaustive]
    pub struct DueReport {
        /// BillPro scheduled payments collected.
        pub billpro_payments_collected: usize,
        /// Billmora records changed (always 0: see
        /// [`BillmoraSandbox::run_due`](crate::billmora::BillmoraSandbox::run_due)).
        pub billmora_invoices_changed: usize,
        /// Billy invoices filed for subscriptions.
        pub billy_invoices_filed: usize,
    }

    /// Keeps the state file up to date: the path, and the bytes last
    /// written so an unchanged state is not written again.
    #[derive(Debug, Default)]
    pub(crate) struct Persister {
        file: Mutex<Option<Saved>>,
    }

    #[derive(Debug)]
    struct Saved {
        path: PathBuf,
        last: Vec<u8>,
        error: Option<String>,
    }

    impl Persister {
        fn lock(&self) -> std::sync::MutexGuard<'_, Option<Saved>> {
            self.file.lock().unwrap_or_else(|p| p.into_inner())
        }

        /// Writes the document `build` makes when it differs from what
        /// was written last. The document is made under the lock, so of
        /// two concurrent saves the one that writes last read the state
        /// last: the file never goes back to an older state.
        fn save(&self, build: impl FnOnce() -> Value) {
            let mut file = self.lock();
            let Some(saved) = file.as_mut() else {
                return;
            };
            let bytes = to_bytes(&build());
            if bytes == saved.last {
                return;
            }
            match write_atomically(&saved.path, &bytes) {
                Ok(()) => {
                    saved.last = bytes;
                    saved.error = None;
                }
                Err(e) => saved.error = Some(e.to_string()),
            }
        }
    }

    fn to_bytes(document: &Value) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(document).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Writes a temporary file beside `path`, flushes it to disk and
    /// renames it over `path`: a reader (or a crash) sees the old file or
    /// the new one, never half of one.
    fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
        use std::io::Write as _;
        let io = |source| StateError::Io {
            path: path.to_owned(),
            source,
        };
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(format!(".tmp-{}", std::process::id()));
        let temp = path.with_file_name(name);
        let mut file = std::fs::File::create(&temp).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&temp, path).map_err(io)
    }

    impl Sandbox {
        /// The state of the three fakes and the clock's offset as one
        /// document (`format`, `version`, `clock_offset_ms`, `billpro`,
        /// `billmora`, `billy`), for [`restore`](Self::restore).
        pub fn snapshot(&self) -> Value {
            Parts::of(self).document()
        }

        /// Loads a document from [`snapshot`](Self::snapshot). Every part
        /// is checked before any is applied, so a document that is not a
        /// state (another format, another version, a part that does not
        /// load) is refused with what is wrong, and nothing changes.
        pub fn restore(&self, document: &Value) -> Result<(), StateError> {
            let Some(object) = document.as_object() else {
                return Err(StateError::Invalid(
                    "a sandbox state is a JSON object; this document is not one".to_owned(),
                ));
            };
            match object.get("format").and_then(Value::as_str) {
                Some(STATE_FORMAT) => {}
                _ => {
                    return Err(StateError::Invalid(format!(
                        "not a billkit sandbox state: it has no \"format\": \"{STATE_FORMAT}\" (give a file written by `billkit sandbox serve --state`, or another path)"
                    )));
                }
            }
            match object.get("version").and_then(Value::as_u64) {
                Some(STATE_VERSION) => {}
                other => {
                    return Err(StateError::Invalid(format!(
                        "sandbox state version {} cannot be read by this build, which reads version {STATE_VERSION}",
                        other.map_or_else(|| "(missing)".to_owned(), |v| v.to_string())
                    )));
                }
            }
            let offset = match object.get("clock_offset_ms") {
                None => 0,
                Some(v) => v.as_i64().ok_or_else(|| {
                    StateError::Invalid(
                        "`clock_offset_ms` must be a whole number of milliseconds".to_owned(),
                    )
                })?,
            };
            let part = |name: &str| {
                object.get(name).ok_or_else(|| {
                    StateError::Invalid(format!("the sandbox state has no `{name}` part"))
                })
            };
            let (billpro, billmora, billy) = (part("billpro")?, part("billmora")?, part("billy")?);
            crate::billpro::check_state(billpro)?;
            crate::billmora::check_state(billmora)?;
            crate::billy::check_state(billy)?;
            self.billpro.restore(billpro)?;
            self.billmora.restore(billmora)?;
            self.billy.restore(billy)?;
            self.clock
                .set_offset(chrono::TimeDelta::milliseconds(offset));
            self.save_if_persisting();
            Ok(())
        }

        /// Returns every fake to its seed data (the clock stays where it is).
        pub fn reset(&self) {
            self.billpro.reset();
            self.billmora.reset();
            self.billy.reset();
            self.save_if_persisting();
        }

        /// Does what the servers' scheduled jobs would have done by the
        /// clock's time: BillPro collects the scheduled payments due
        /// ([`BillProSandbox::run_due`](crate::billpro::BillProSandbox::run_due)),
        /// Billy files and charges the invoices its subscriptions owe
        /// ([`BillySandbox::run_due`](crate::billy::BillySandbox::run_due)),
        /// and Billmora changes nothing (it has no such job the API shows).
        pub fn run_due_billing(&self) -> DueReport {
            let report = DueReport {
                billpro_payments_collected: self.billpro.run_due(),
                billmora_invoices_changed: self.billmora.run_due(),
                billy_invoices_filed: self.billy.run_due(),
            };
            self.save_if_persisting();
            report
        }

        /// Keeps `path` up to date from now on: loads it first when it
        /// exists (returning `true`), then writes the state atomically
        /// after each request that changed it, and after each change made
        /// through this value (restore, reset, due billing, the clock
        /// through [`advance_clock`](Self::advance_clock)). A file that is
        /// not a sandbox state is an error and is left untouched.
        pub fn persist_to(&self, path: impl Into<PathBuf>) -> Result<bool, StateError> {
            let path = path.into();
            let loaded = match std::fs::read(&path) {
                Ok(bytes) => {
                    let document: Value = serde_json::from_slice(&bytes).map_err(|e| {
                        StateError::Invalid(format!(
                            "{} is not a billkit sandbox state (not JSON: {e}); give another path or remove the file",
                            path.display()
                        ))
                    })?;
                    self.restore(&document).map_err(|e| match e {
                        StateError::Invalid(why) => {
                            StateError::Invalid(format!("{}: {why}", path.display()))
                        }
                        other => other,
                    })?;
                    true
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(source) => return Err(StateError::Io { path, source }),
            };
            *self.persister.lock() = Some(Saved {
                path: path.clone(),
                last: Vec::new(),
                error: None,
            });
            self.save_now()?;
            let parts = Parts::of(self);
            for server in self.servers() {
                let (persister, parts) = (self.persister.clone(), parts.clone());
                server.after_handled(move || persister.save(|| parts.document()));
            }
            Ok(loaded)
        }

        /// Writes the state file now (when [`persist_to`](Self::persist_to)
        /// set one), reporting a failure.
        pub fn save_now(&self) -> Result<(), StateError> {
            self.save_if_persisting();
            match self.persister.lock().as_ref() {
                Some(Saved {
                    path,
                    error: Some(e),
                    ..
                }) => Err(StateError::Io {
                    path: path.clone(),
                    source: std::io::Error::other(e.clone()),
                }),
                _ => Ok(()),
            }
        }

        /// The last failure to write the state file, if the last write
        /// failed.
        pub fn save_error(&self) -> Option<String> {
            self.persister.lock().as_ref().and_then(|s| s.error.clone())
        }

        /// The state file, when [`persist_to`](Self::persist_to) set one.
        pub fn state_path(&self) -> Option<PathBuf> {
            self.persister.lock().as_ref().map(|s| s.path.clone())
        }

        /// Moves the shared clock forward and saves the new offset.
        pub fn advance_clock(&self, by: std::time::Duration) {
            self.clock.advance(by);
            self.save_if_persisting();
        }

        fn save_if_persisting(&self) {
            if self.persister.lock().is_some() {
                self.persister.save(|| self.snapshot());
            }
        }
    }

    /// What a server's hook needs to build the document without holding
    /// the [`Sandbox`]: each fake's snapshot function and the clock.
    #[derive(Clone)]
    struct Parts {
        billpro: Arc<dyn Fn() -> Value + Send + Sync>,
        billmora: Arc<dyn Fn() -> Value + Send + Sync>,
        billy: Arc<dyn Fn() -> Value + Send + Sync>,
        clock: crate::SandboxClock,
    }

    impl Parts {
        fn of(sandbox: &Sandbox) -> Self {
            Parts {
                billpro: Arc::new(sandbox.billpro.snapshotter()),
                billmora: Arc::new(sandbox.billmora.snapshotter()),
                billy: Arc::new(sandbox.billy.snapshotter()),
                clock: sandbox.clock.clone(),
            }
        }

        fn document(&self) -> Value {
            json!({
                "format": STATE_FORMAT,
                "version": STATE_VERSION,
                "clock_offset_ms": self.clock.offset().num_milliseconds(),
                "billpro": (self.billpro)(),
                "billmora": (self.billmora)(),
                "billy": (self.billy)(),
            })
        }
    }
}
