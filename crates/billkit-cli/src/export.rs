//! `billkit export`: any list of the three APIs to CSV or JSON Lines.
//!
//! Rows are written page by page. With `--resume STATE`, after each page is
//! written and flushed to disk, the walk's checkpoint, the output's length
//! and the rows written so far are saved to STATE atomically (a temporary
//! file renamed over it). A run that finds STATE cuts the output back to
//! the saved length and resumes the walk from the checkpoint: whatever
//! point the previous run was killed at, every row is written once and the
//! file ends byte for byte as an uninterrupted run would have made it
//! (billkit's keyed walks skip what was already yielded even when records
//! were created in between).
//!
//! CSV: the header is the record's serialised top-level fields, in the
//! model's order; a nested value is one cell of compact JSON, an amount its
//! exact decimal text (never through a float), a missing value an empty
//! cell.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use billkit::StreamExt;
use billkit::http::{Paginator, WalkCheckpoint};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::credentials::CredentialsArg;
use crate::{Api, Error, Exit};

/// The lists `export` knows, by API, as `--help` shows them.
const LISTS: &[(Api, &[&str])] = &[
    (
        Api::Billpro,
        &["customers", "products", "orders", "scheduled-payments"],
    ),
    (
        Api::Billmora,
        &[
            "users",
            "services",
            "invoices",
            "orders",
            "tickets",
            "packages",
            "catalogs",
            "variants",
            "registrants",
            "tlds",
        ],
    ),
    (
        Api::Billy,
        &[
            "customers",
            "plans",
            "subscriptions",
            "invoices",
            "transactions",
        ],
    ),
];

const LONG_ABOUT: &str = "\
Export a list of records to CSV or JSON Lines, with exact amounts.

Lists: billpro customers|products|orders|scheduled-payments;
billmora users|services|invoices|orders|tickets|packages|catalogs|variants|registrants|tlds;
billy customers|plans|subscriptions|invoices|transactions.

Credentials come from the environment (BILLPRO_API_TOKEN, BILLPRO_BASE_URL,
BILLPRO_PROFILE_ID; BILLMORA_API_TOKEN, BILLMORA_BASE_URL; BILLY_API_KEY,
BILLY_BASE_URL) or --credentials FILE, never from the command line.

With --resume STATE an interrupted export picks up where it stopped: run the
same command again and the output ends byte for byte as an uninterrupted run
would have written it. A finished export leaves STATE marked done; delete it
to export again.

Billmora lists take --status and --search, as the server filters them.

Progress goes to stderr: a bar on a terminal, `exported N rows` lines
otherwise, nothing with --quiet.";

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// The arguments of `billkit export`.
#[derive(Debug, clap::Args)]
#[command(long_about = LONG_ABOUT)]
pub(crate) struct Args {
    /// The API to read.
    #[arg(value_enum)]
    api: Api,
    /// The list to export (`--help` names each API's lists).
    list: String,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Save progress to STATE after every page and resume from it when it
    /// exists (needs --output).
    #[arg(long, value_name = "STATE", requires = "output")]
    resume: Option<PathBuf>,
    /// Records per page to ask for, where the list lets the caller choose
    /// (ignored when resuming: the saved walk keeps its page size).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    page_size: Option<u32>,
    /// Export the sub-list under one parent: `billpro scheduled-payments
    /// --of ORDER_ID`; `billy invoices --of CU…|SU…|PL…`, `billy transactions
    /// --of CU…|PL…|SU…|IV…`, `billy subscriptions --of CU…|PL…` (the
    /// parent's kind read from its GUID).
    #[arg(long, value_name = "PARENT")]
    of: Option<String>,
    /// Only records in this state (Billmora lists: e.g. `unpaid` invoices).
    #[arg(long, value_name = "STATUS")]
    status: Option<String>,
    /// Only records matching this text (Billmora lists: the server's search).
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// Print no progress.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    credentials: CredentialsArg,
}

/// What `--resume` saves after each page.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    api: Api,
    list: String,
    format: Format,
    /// The output's length once the page was written.
    bytes: u64,
    /// Rows written (not counting the CSV header).
    rows: u64,
    /// The CSV header, fixed by the first record.
    header: Option<Vec<String>>,
    /// Where the walk stands; `None` before the first page.
    checkpoint: Option<WalkCheckpoint>,
    /// Whether the walk ended.
    done: bool,
}

pub(crate) async fn run(args: Args) -> Result<Exit, Error> {
    let known = LISTS
        .iter()
        .find(|(api, _)| *api == args.api)
        .map_or(&[][..], |(_, lists)| *lists);
    if !known.contains(&args.list.as_str()) {
        clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!(
                "`{}` is not a list of {}; choose one of: {}\n",
                args.list,
                args.api.name(),
                known.join(", ")
            ),
        )
        .exit();
    }
    if args.api != Api::Billmora && (args.status.is_some() || args.search.is_some()) {
        clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "--status and --search filter Billmora lists only\n",
        )
        .exit();
    }
    let parent = match &args.of {
        Some(of) => match Parent::of(args.api, &args.list, of) {
            Some(p) => Some(p),
            None => clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "`{of}` is not a parent of `{} {}` (see --of in --help)\n",
                    args.api.name(),
                    args.list
                ),
            )
            .exit(),
        },
        None => None,
    };
    let credentials = args.credentials.load()?;
    let mut export = Export::open(&args)?;
    if export.state.done {
        export.progress.finish(export.state.rows, true);
        return Ok(Exit::Success);
    }
    let list = args.list.as_str();
    match args.api {
        Api::Billpro => {
            let c = credentials.billpro()?;
            match list {
                "customers" => export.walk(c.customers().list()).await,
                "products" => {
                    export
                        .walk(c.products().list(&billkit::billpro::ProductFilter::new()))
                        .await
                }
                "orders" => export.walk(c.orders().list()).await,
                _ => match parent {
                    Some(Parent::Order(id)) => {
                        export.walk(c.scheduled_payments().list_for_order(id)).await
                    }
                    _ => export.walk(c.scheduled_payments().list()).await,
                },
            }
        }
        Api::Billmora => {
            use billkit::billmora as m;
            let c = credentials.billmora()?;
            // Every Billmora list filters on a status and a search text.
            macro_rules! filter {
                ($f:ty) => {{
                    let mut f = <$f>::new();
                    if let Some(s) = &args.status {
                        f = f.status(s.as_str());
                    }
                    if let Some(q) = &args.search {
                        f = f.search(q.as_str());
                    }
                    f
                }};
            }
            match list {
                "users" => export.walk(c.users().list(&filter!(m::UserFilter))).await,
                "services" => {
                    export
                        .walk(c.services().list(&filter!(m::ServiceFilter)))
                        .await
                }
                "invoices" => {
                    export
                        .walk(c.invoices().list(&filter!(m::InvoiceFilter)))
                        .await
                }
                "orders" => export.walk(c.orders().list(&filter!(m::OrderFilter))).await,
                "tickets" => {
                    export
                        .walk(c.tickets().list(&filter!(m::TicketFilter)))
                        .await
                }
                "packages" => {
                    export
                        .walk(c.packages().list(&filter!(m::PackageFilter)))
                        .await
                }
                "catalogs" => {
                    export
                        .walk(c.catalogs().list(&filter!(m::CatalogFilter)))
                        .await
                }
                "variants" => {
                    export
                        .walk(c.variants().list(&filter!(m::VariantFilter)))
                        .await
                }
                "registrants" => {
                    export
                        .walk(c.registrants().list(&filter!(m::RegistrantFilter)))
                        .await
                }
                _ => export.walk(c.tlds().list(&filter!(m::TldFilter))).await,
            }
        }
        Api::Billy => {
            use billkit::billy as b;
            let c = credentials.billy()?;
            let t = c.transactions();
            let (i, su) = (c.invoices(), c.subscriptions());
            match (list, parent) {
                ("customers", _) => {
                    export
                        .walk(c.customers().list(&b::CustomerFilter::new()))
                        .await
                }
                ("plans", _) => export.walk(c.plans().list()).await,
                ("subscriptions", Some(Parent::Customer(g))) => {
                    export.walk(su.list_for_customer(&g)).await
                }
                ("subscriptions", Some(Parent::Plan(g))) => export.walk(su.list_for_plan(&g)).await,
                ("subscriptions", _) => export.walk(su.list()).await,
                ("invoices", Some(Parent::Customer(g))) => {
                    export.walk(i.list_for_customer(&g)).await
                }
                ("invoices", Some(Parent::Plan(g))) => export.walk(i.list_for_plan(&g)).await,
                ("invoices", Some(Parent::Subscription(g))) => {
                    export.walk(i.list_for_subscription(&g)).await
                }
                ("invoices", _) => export.walk(i.list(&b::InvoiceFilter::new())).await,
                (_, Some(Parent::Customer(g))) => export.walk(t.list_for_customer(&g)).await,
                (_, Some(Parent::Plan(g))) => export.walk(t.list_for_plan(&g)).await,
                (_, Some(Parent::Subscription(g))) => {
                    export.walk(t.list_for_subscription(&g)).await
                }
                (_, Some(Parent::Invoice(g))) => export.walk(t.list_for_invoice(&g)).await,
                (_, _) => export.walk(t.list()).await,
            }
        }
    }
}

/// The parent of a sub-list (`--of`).
enum Parent {
    Order(billkit::billpro::OrderId),
    Customer(billkit::billy::CustomerGuid),
    Plan(billkit::billy::PlanGuid),
    Subscription(billkit::billy::SubscriptionGuid),
    Invoice(billkit::billy::InvoiceGuid),
}

impl Parent {
    /// The parent `of` names, when `list` of `api` has a sub-list under it.
    fn of(api: Api, list: &str, of: &str) -> Option<Parent> {
        use billkit::billy as b;
        let parent = match api {
            Api::Billpro => Parent::Order(of.trim().parse::<u64>().ok()?.into()),
            Api::Billmora => return None,
            Api::Billy => {
                if let Ok(g) = b::CustomerGuid::new(of) {
                    Parent::Customer(g)
                } else if let Ok(g) = b::PlanGuid::new(of) {
                    Parent::Plan(g)
                } else if let Ok(g) = b::SubscriptionGuid::new(of) {
                    Parent::Subscription(g)
                } else {
                    Parent::Invoice(b::InvoiceGuid::new(of).ok()?)
                }
            }
        };
        let fits = matches!(
            (list, &parent),
            ("scheduled-payments", Parent::Order(_))
                | (
                    "invoices",
                    Parent::Customer(_) | Parent::Plan(_) | Parent::Subscription(_)
                )
                | ("subscriptions", Parent::Customer(_) | Parent::Plan(_))
                | ("transactions", Parent::Customer(_) | Parent::Plan(_))
                | ("transactions", Parent::Subscription(_) | Parent::Invoice(_))
        );
        fits.then_some(parent)
    }
}

/// One export under way: where rows go, what was written, how to report.
struct Export {
    out: Box<dyn Write + Send>,
    /// The output file, to flush to disk before the state says it holds a page.
    file: Option<File>,
    state_path: Option<PathBuf>,
    state: State,
    page_size: Option<u32>,
    progress: Progress,
}

impl Export {
    fn open(args: &Args) -> Result<Export, Error> {
        let progress = Progress::new(args.quiet);
        let fresh = State {
            api: args.api,
            list: args.list.clone(),
            format: args.format,
            bytes: 0,
            rows: 0,
            header: None,
            checkpoint: None,
            done: false,
        };
        let Some(path) = &args.output else {
            return Ok(Export {
                out: Box::new(std::io::stdout()),
                file: None,
                state_path: None,
                state: fresh,
                page_size: args.page_size,
                progress,
            });
        };
        let saved = match &args.resume {
            Some(state_path) => read_state(state_path)?,
            None => None,
        };
        let (file, state) = match saved {
            Some(state) => {
                if state.api != args.api || state.list != args.list || state.format != args.format {
                    return Err(format!(
                        "the state file is for `{} {}` as {:?}, not this export: give another \
                         --resume file, or delete it to start over",
                        state.api.name(),
                        state.list,
                        state.format
                    )
                    .into());
                }
                let mut file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| file_error("open", path, e))?;
                let len = file
                    .metadata()
                    .map_err(|e| file_error("read", path, e))?
                    .len();
                if len < state.bytes {
                    return Err(format!(
                        "{} holds {len} bytes but the state file says {} were written: it was \
                         changed since; delete the state file to start over",
                        path.display(),
                        state.bytes
                    )
                    .into());
                }
                // What the killed run wrote after its last saved page goes:
                // the walk writes it again.
                file.set_len(state.bytes)
                    .map_err(|e| file_error("truncate", path, e))?;
                file.seek(SeekFrom::End(0))
                    .map_err(|e| file_error("seek in", path, e))?;
                (file, state)
            }
            None => (
                File::create(path).map_err(|e| file_error("create", path, e))?,
                fresh,
            ),
        };
        let out = file.try_clone().map_err(|e| file_error("open", path, e))?;
        Ok(Export {
            out: Box::new(out),
            file: Some(file),
            state_path: args.resume.clone(),
            state,
            page_size: args.page_size,
            progress,
        })
    }

    async fn walk<T>(&mut self, paginator: Paginator<T>) -> Result<Exit, Error>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
    {
        let paginator = match (&self.state.checkpoint, self.page_size) {
            (Some(checkpoint), _) => paginator.resume(checkpoint)?,
            (None, Some(n)) => paginator.per_page(n),
            (None, None) => paginator,
        };
        let mut pages = paginator.pages();
        self.progress.start(self.state.rows);
        while let Some(page) = pages.next().await {
            let page = page?;
            let mut buf = Vec::new();
            for item in &page.items {
                self.encode(item, &mut buf)?;
            }
            self.write(&buf)?;
            self.state.rows += page.items.len() as u64;
            self.state.checkpoint = Some(pages.checkpoint());
            self.save()?;
            self.progress.rows(self.state.rows, pages.total());
        }
        self.state.done = true;
        self.save()?;
        self.progress.finish(self.state.rows, false);
        Ok(Exit::Success)
    }

    fn encode<T: Serialize>(&mut self, item: &T, buf: &mut Vec<u8>) -> Result<(), Error> {
        let json = serde_json::to_string(item)?;
        match self.state.format {
            Format::Jsonl => {
                buf.extend_from_slice(json.as_bytes());
                buf.push(b'\n');
            }
            Format::Csv => {
                let Fields(fields) = serde_json::from_str(&json)?;
                let mut csv = csv::WriterBuilder::new().from_writer(&mut *buf);
                let header = match &self.state.header {
                    Some(h) => h,
                    None => {
                        let h: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
                        csv.write_record(&h)?;
                        self.state.header.insert(h)
                    }
                };
                if let Some((extra, _)) = fields.iter().find(|(k, _)| !header.contains(k)) {
                    return Err(format!(
                        "a record has the field `{extra}`, which the first record (and so the \
                         CSV header) lacks: export this list with --format jsonl"
                    )
                    .into());
                }
                let mut row = Vec::with_capacity(header.len());
                for name in header {
                    let cell = match fields.iter().find(|(k, _)| k == name) {
                        Some((_, raw)) => cell(raw)?,
                        None => String::new(),
                    };
                    row.push(cell);
                }
                csv.write_record(&row)?;
                csv.flush()?;
            }
        }
        Ok(())
    }

    /// Writes one page and makes it durable before the state may say so.
    fn write(&mut self, buf: &[u8]) -> Result<(), Error> {
        self.out
            .write_all(buf)
            .and_then(|()| self.out.flush())
            .map_err(|e| format!("cannot write the output: {e}"))?;
        if let Some(file) = &self.file
            && self.state_path.is_some()
        {
            file.sync_data()
                .map_err(|e| format!("cannot flush the output to disk: {e}"))?;
        }
        self.state.bytes += buf.len() as u64;
        Ok(())
    }

    /// Saves the state: a temporary file beside it, flushed, then renamed
    /// over it, so a kill leaves either the old state or the new one.
    fn save(&self) -> Result<(), Error> {
        let Some(path) = &self.state_path else {
            return Ok(());
        };
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".tmp");
        let tmp = path.with_file_name(name);
        let text = serde_json::to_vec_pretty(&self.state)?;
        let mut f = File::create(&tmp).map_err(|e| file_error("create", &tmp, e))?;
        f.write_all(&text)
            .and_then(|()| f.sync_all())
            .map_err(|e| file_error("write", &tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| file_error("replace", path, e))?;
        Ok(())
    }
}

fn read_state(path: &Path) -> Result<Option<State>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{} is not a state file of `billkit export` ({e}): give another --resume file",
                path.display()
            )
        })?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(file_error("read", path, e)),
    }
}

fn file_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    format!("cannot {what} {}: {e}", path.display()).into()
}

/// A record's top-level fields in the order it serialises them.
struct Fields(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a record serialised as an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(V)
    }
}

/// One CSV cell: a string's text, a number's or a nested value's JSON as
/// serialised (so an amount keeps its exact digits), empty for `null`.
fn cell(raw: &RawValue) -> Result<String, Error> {
    let text = raw.get();
    Ok(match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)?,
        _ if text == "null" => String::new(),
        _ => text.to_owned(),
    })
}

/// Progress on stderr.
enum Progress {
    Bar(indicatif::ProgressBar),
    Lines,
    Quiet,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            // No colours in the template: nothing to turn off for NO_COLOR.
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}")
            {
                bar.set_style(style);
            }
            Progress::Bar(bar)
        } else {
            Progress::Lines
        }
    }

    fn start(&self, rows: u64) {
        if let Progress::Bar(bar) = self {
            bar.set_position(rows);
        }
    }

    fn rows(&self, rows: u64, total: Option<u64>) {
        match self {
            Progress::Bar(bar) => {
                if let Some(t) = total {
                    bar.set_length(t.max(rows));
                }
                bar.set_position(rows);
            }
            Progress::Lines => eprintln!("exported {rows} rows"),
            Progress::Quiet => {}
        }
    }

    fn finish(&self, rows: u64, already: bool) {
        let line = if already {
            format!("already done: {rows} rows (delete the state file to export again)")
        } else {
            format!("done: {rows} rows")
        };
        match self {
            Progress::Bar(bar) => {
                bar.finish_and_clear();
                eprintln!("{line}");
            }
            Progress::Lines => eprintln!("{line}"),
            Progress::Quiet => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_exact_text_and_flatten_strings() {
        let raw = |s: &str| RawValue::from_string(s.to_owned()).unwrap();
        assert_eq!(cell(&raw("\"10.10\"")).unwrap(), "10.10");
        assert_eq!(cell(&raw("\"a\\\"b\"")).unwrap(), "a\"b");
        assert_eq!(
            cell(&raw("0.19999999999999998")).unwrap(),
            "0.19999999999999998"
        );
        assert_eq!(cell(&raw("null")).unwrap(), "");
        assert_eq!(cell(&raw("{\"a\":[1,2]}")).unwrap(), "{\"a\":[1,2]}");
    }

    #[test]
    fn fields_come_in_serialisation_order() {
        let Fields(f) = serde_json::from_str(r#"{"z":1,"a":{"b":2},"m":"x"}"#).unwrap();
        let names: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["z", "a", "m"]);
        assert_eq!(f[1].1.get(), r#"{"b":2}"#);
    }
}
