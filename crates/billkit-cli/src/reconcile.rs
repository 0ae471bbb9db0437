//! `billkit reconcile`: the money invariants a finance team relies on,
//! checked over every record, with each break reported.
//!
//! Arithmetic is exact: Billy's amounts are integer cents, BillPro's and
//! Billmora's are decimals; nothing goes through a float.

use std::collections::BTreeMap;
use std::io::Write;

use billkit::billmora::{BillmoraErrorExt, KnownServerBug};
use billkit::{Decimal, TryStreamExt};
use serde::Serialize;

use crate::credentials::{self, CredentialsArg};
use crate::{Api, Error, Exit};

const LONG_ABOUT: &str = "\
Check the money invariants of every record and report each break.

Rules (the `rule` of a break):
  billy.effective_amount      effective_amount = amount + the adjustments (cents)
  billy.total_adjustment      total_adjustment_amount = the sum of the adjustments
  billy.settled_transactions  a settled invoice's succeeded charges (transactions of
                              the invoice's own type: debit or credit) add up to its
                              effective_amount
  billy.negative_charge       no succeeded charge of a negative amount
  billpro.instalment_count    an instalment order has scheduled_duration_number
                              scheduled payments
  billpro.scheduled_sum       an instalment order's scheduled payments add up to its
                              total_installment_amount (less than it when a deposit is
                              collected)
  billmora.item_amount        an item's amount = quantity x unit_price
  billmora.items_total        the items add up to the invoice's total (less its tax)
  billmora.total              total = subtotal - discount + tax (+ the
                              'Setup Fee - …' lines of an order's invoice)
  billmora.amount_due         0 <= amount_due <= total
  billmora.paid_amount_due    an invoice marked paid has payments that cover it
                              (Billmora computes amount_due from payments alone, so an
                              invoice marked paid by hand with none recorded still
                              shows its total due)
  billmora.services_readable  the services can be read (to check the invoice items'
                              services exist)
  billmora.item_service       an invoice item's service exists

A break caused by a known defect of the server names it in `known_server_bug`:
Billmora's ServiceScalingsRelation (its service list fails with 500 once a service
exists); Billy's ZeroAmountSettled (an invoice of amount 0 is settled whatever its
adjustments, charging nothing) and NegativeDebit (adjustments below zero are
charged as a succeeded debit of a negative amount).

Without an API, every API whose credentials are set is checked. Credentials come
from the environment or --credentials FILE (see `billkit export --help`).

--json prints one object:
  {\"clean\": bool,
   \"checked\": {\"<api>\": {\"<records>\": count, ...}, ...},
   \"breaks\": [{\"api\": \"billy\", \"record\": \"<id or guid>\", \"rule\": \"billy.effective_amount\",
               \"expected\": \"<text>\", \"found\": \"<text>\",
               \"known_server_bug\": \"<name>\" | null}, ...]}
Amounts in `expected`/`found` are exact text: cents for Billy, decimals otherwise.";

/// The arguments of `billkit reconcile`.
#[derive(Debug, clap::Args)]
#[command(long_about = LONG_ABOUT)]
pub(crate) struct Args {
    /// The API to check; every API with credentials when absent.
    #[arg(value_enum)]
    api: Option<Api>,
    /// Print the report as one JSON object (schema in --help).
    #[arg(long)]
    json: bool,
    /// Print nothing; the exit status tells.
    #[arg(long, short, conflicts_with = "json")]
    quiet: bool,
    #[command(flatten)]
    credentials: CredentialsArg,
}

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Break {
    api: &'static str,
    record: String,
    rule: &'static str,
    expected: String,
    found: String,
    known_server_bug: Option<&'static str>,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct Report {
    clean: bool,
    checked: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    breaks: Vec<Break>,
}

pub(crate) async fn run(args: Args) -> Result<Exit, Error> {
    let creds = args.credentials.load()?;
    let apis: Vec<Api> = match args.api {
        Some(api) => vec![api],
        None => {
            let apis: Vec<Api> = [
                (Api::Billpro, credentials::BILLPRO_TOKEN),
                (Api::Billmora, credentials::BILLMORA_TOKEN),
                (Api::Billy, credentials::BILLY_KEY),
            ]
            .into_iter()
            .filter(|(_, name)| creds.has(name))
            .map(|(api, _)| api)
            .collect();
            if apis.is_empty() {
                return Err(
                    "no credentials set: name an API, or set BILLPRO_API_TOKEN, \
                            BILLMORA_API_TOKEN or BILLY_API_KEY (see --help)"
                        .into(),
                );
            }
            apis
        }
    };
    let mut report = Report {
        clean: true,
        checked: BTreeMap::new(),
        breaks: Vec::new(),
    };
    for api in apis {
        let counts = report.checked.entry(api.name()).or_default();
        match api {
            Api::Billy => billy(&creds.billy()?, counts, &mut report.breaks).await?,
            Api::Billpro => billpro(&creds.billpro()?, counts, &mut report.breaks).await?,
            Api::Billmora => billmora(&creds.billmora()?, counts, &mut report.breaks).await?,
        }
    }
    report.clean = report.breaks.is_empty();
    print(&report, &args)?;
    Ok(if report.clean {
        Exit::Success
    } else {
        Exit::Found
    })
}

fn print(report: &Report, args: &Args) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, report)?;
        writeln!(out)?;
        return Ok(());
    }
    if args.quiet {
        return Ok(());
    }
    for b in &report.breaks {
        write!(
            out,
            "{} {} {}: expected {}, found {}",
            b.api, b.record, b.rule, b.expected, b.found
        )?;
        match b.known_server_bug {
            Some(bug) => writeln!(out, " (known server bug {bug})")?,
            None => writeln!(out)?,
        }
    }
    let checked: Vec<String> = report
        .checked
        .iter()
        .flat_map(|(api, counts)| {
            counts
                .iter()
                .map(move |(what, n)| format!("{api} {n} {what}"))
        })
        .collect();
    writeln!(
        out,
        "{} break(s); checked {}",
        report.breaks.len(),
        checked.join(", ")
    )?;
    Ok(())
}

fn brk(
    api: &'static str,
    record: impl ToString,
    rule: &'static str,
    expected: impl ToString,
    found: impl ToString,
) -> Break {
    Break {
        api,
        record: record.to_string(),
        rule,
        expected: expected.to_string(),
        found: found.to_string(),
        known_server_bug: None,
    }
}

// ---- Billy ----

/// Billy's invoices against their adjustments and transactions.
async fn billy(
    client: &billkit::billy::Client,
    counts: &mut BTreeMap<&'static str, u64>,
    breaks: &mut Vec<Break>,
) -> Result<(), Error> {
    use billkit::billy::{InvoiceFilter, InvoiceStatus, TransactionStatus, TransactionType};
    let invoices = client
        .invoices()
        .list(&InvoiceFilter::new())
        .collect_all()
        .await?;
    let transactions = client.transactions().list().collect_all().await?;
    counts.insert("invoices", invoices.len() as u64);
    counts.insert("transactions", transactions.len() as u64);
    let mut by_invoice: BTreeMap<&str, Vec<&billkit::billy::Transaction>> = BTreeMap::new();
    for tx in &transactions {
        by_invoice
            .entry(tx.invoice_guid.as_str())
            .or_default()
            .push(tx);
    }
    for inv in &invoices {
        let guid = inv.guid.as_str();
        let adjustments: i128 = inv
            .adjustments
            .iter()
            .map(|a| i128::from(a.amount.get()))
            .sum();
        let amount = i128::from(inv.amount.get());
        let effective = i128::from(inv.effective_amount.get());
        if i128::from(inv.total_adjustment_amount.get()) != adjustments {
            breaks.push(brk(
                "billy",
                guid,
                "billy.total_adjustment",
                adjustments,
                inv.total_adjustment_amount.get(),
            ));
        }
        if amount + adjustments != effective {
            breaks.push(brk(
                "billy",
                guid,
                "billy.effective_amount",
                amount + adjustments,
                effective,
            ));
        }
        let own: &[&billkit::billy::Transaction] =
            by_invoice.get(guid).map_or(&[], |v| v.as_slice());
        let charges: Vec<&&billkit::billy::Transaction> = own
            .iter()
            .filter(|t| {
                t.transaction_type == inv.transaction_type
                    && t.status == Some(TransactionStatus::Succeeded)
            })
            .collect();
        for t in &charges {
            if t.amount.get() < 0 {
                let mut b = brk(
                    "billy",
                    t.guid.as_str(),
                    "billy.negative_charge",
                    "an amount of 0 or more",
                    t.amount.get(),
                );
                if t.transaction_type == TransactionType::Debit {
                    b.known_server_bug = Some("NegativeDebit");
                }
                breaks.push(b);
            }
        }
        if inv.status == InvoiceStatus::Settled {
            let charged: i128 = charges.iter().map(|t| i128::from(t.amount.get())).sum();
            if charged != effective {
                let mut b = brk(
                    "billy",
                    guid,
                    "billy.settled_transactions",
                    effective,
                    charged,
                );
                if amount == 0 && charges.is_empty() {
                    b.known_server_bug = Some("ZeroAmountSettled");
                }
                breaks.push(b);
            }
        }
    }
    Ok(())
}

// ---- BillPro ----

/// BillPro's instalment orders against their scheduled payments.
async fn billpro(
    client: &billkit::billpro::Client,
    counts: &mut BTreeMap<&'static str, u64>,
    breaks: &mut Vec<Break>,
) -> Result<(), Error> {
    use billkit::billpro::PurchaseType;
    let orders = client.orders().list().collect_all().await?;
    let payments = client.scheduled_payments().list().collect_all().await?;
    counts.insert("orders", orders.len() as u64);
    counts.insert("scheduled_payments", payments.len() as u64);
    let mut by_order: BTreeMap<u64, Vec<&billkit::billpro::ScheduledPayment>> = BTreeMap::new();
    for p in &payments {
        by_order.entry(p.order_id.get()).or_default().push(p);
    }
    for order in orders
        .iter()
        .filter(|o| o.order_type == PurchaseType::Instalment)
    {
        let id = order.id.get();
        let own = by_order.get(&id).map_or(&[][..], |v| v.as_slice());
        if let Some(n) = order.scheduled_duration_number
            && own.len() as u64 != u64::from(n)
        {
            breaks.push(brk("billpro", id, "billpro.instalment_count", n, own.len()));
        }
        let Some(total) = order.total_instalment_amount.or(order.total_to_pay) else {
            continue;
        };
        let Some(sum) = checked_sum(own.iter().map(|p| p.amount)) else {
            breaks.push(brk(
                "billpro",
                id,
                "billpro.scheduled_sum",
                total,
                "a sum beyond the decimal range",
            ));
            continue;
        };
        if order.collect_initial_payment == Some(true) {
            if sum >= total {
                breaks.push(brk(
                    "billpro",
                    id,
                    "billpro.scheduled_sum",
                    format!("less than {total} (a deposit is collected)"),
                    sum,
                ));
            }
        } else if sum != total {
            breaks.push(brk("billpro", id, "billpro.scheduled_sum", total, sum));
        }
    }
    Ok(())
}

// ---- Billmora ----

/// Billmora's invoices against their items, and the items' services.
/// How Billmora names an order invoice's setup-fee lines.
const SETUP_FEE_LINE: &str = "Setup Fee - ";

async fn billmora(
    client: &billkit::billmora::Client,
    counts: &mut BTreeMap<&'static str, u64>,
    breaks: &mut Vec<Break>,
) -> Result<(), Error> {
    use billkit::billmora::{InvoiceFilter, InvoiceStatus, ServiceFilter};
    let listed = client
        .invoices()
        .list(&InvoiceFilter::new())
        .collect_all()
        .await?;
    counts.insert("invoices", listed.len() as u64);
    // The services, to check the items' links; `None` when the server's
    // known bug keeps them from being read.
    let services: Option<Vec<u64>> = match client
        .services()
        .list(&ServiceFilter::new())
        .stream()
        .map_ok(|s| s.id.get())
        .try_collect::<Vec<u64>>()
        .await
    {
        Ok(ids) => {
            counts.insert("services", ids.len() as u64);
            Some(ids)
        }
        Err(e) => match e.known_server_bug() {
            Some(bug) => {
                let mut b = brk(
                    "billmora",
                    "services",
                    "billmora.services_readable",
                    "the list of services",
                    bug.description(),
                );
                b.known_server_bug = Some(bug_name(bug));
                breaks.push(b);
                None
            }
            None => return Err(e.into()),
        },
    };
    let mut items_checked = 0u64;
    for listed in &listed {
        // The list leaves the items out; the invoice itself has them.
        let inv = client.invoices().get(listed.id).await?;
        let id = inv.id.get();
        let items = inv.items.as_deref().unwrap_or_default();
        items_checked += items.len() as u64;
        for item in items {
            let expected = item.unit_price.checked_mul(Decimal::from(item.quantity));
            if expected != Some(item.amount) {
                breaks.push(brk(
                    "billmora",
                    format!("{id}/item {}", item.id),
                    "billmora.item_amount",
                    expected.map_or("a product beyond the decimal range".into(), |d| {
                        d.to_string()
                    }),
                    item.amount,
                ));
            }
            if let (Some(service), Some(known)) = (item.service_id, &services)
                && !known.contains(&service.get())
            {
                breaks.push(brk(
                    "billmora",
                    format!("{id}/item {}", item.id),
                    "billmora.item_service",
                    format!("service {service}"),
                    "no such service",
                ));
            }
        }
        let items_sum =
            checked_sum(items.iter().map(|i| i.amount)).and_then(|s| s.checked_add(inv.tax));
        if items_sum != Some(inv.total) {
            breaks.push(brk(
                "billmora",
                id,
                "billmora.items_total",
                items_sum.map_or("a sum beyond the decimal range".into(), |d| d.to_string()),
                inv.total,
            ));
        }
        // An order's invoice keeps its setup fee in a column the API does
        // not show (Admin/OrderService: `total` includes it, `subtotal`
        // does not); its own lines, "Setup Fee - <name>", say how much.
        let setup_fees = checked_sum(
            items
                .iter()
                .filter(|i| i.description.starts_with(SETUP_FEE_LINE))
                .map(|i| i.amount),
        );
        let computed = inv
            .subtotal
            .checked_sub(inv.discount)
            .and_then(|d| d.checked_add(inv.tax));
        let with_fees = computed.zip(setup_fees).and_then(|(c, f)| c.checked_add(f));
        if computed != Some(inv.total) && with_fees != Some(inv.total) {
            breaks.push(brk(
                "billmora",
                id,
                "billmora.total",
                computed.map_or("a sum beyond the decimal range".into(), |d| d.to_string()),
                inv.total,
            ));
        }
        let ceiling = inv.total.max(Decimal::ZERO);
        if inv.amount_due < Decimal::ZERO || inv.amount_due > ceiling {
            breaks.push(brk(
                "billmora",
                id,
                "billmora.amount_due",
                format!("between 0.00 and {ceiling}"),
                inv.amount_due,
            ));
        } else if inv.status == InvoiceStatus::Paid && !inv.amount_due.is_zero() {
            breaks.push(brk(
                "billmora",
                id,
                "billmora.paid_amount_due",
                "0.00",
                inv.amount_due,
            ));
        }
    }
    counts.insert("invoice_items", items_checked);
    Ok(())
}

/// A [`KnownServerBug`]'s name in reports.
fn bug_name(bug: KnownServerBug) -> &'static str {
    match bug {
        KnownServerBug::ServiceScalingsRelation => "ServiceScalingsRelation",
        KnownServerBug::VariantTypeColumn => "VariantTypeColumn",
        KnownServerBug::DomainCheckTldLookup => "DomainCheckTldLookup",
        _ => "UnnamedServerBug",
    }
}

fn checked_sum(mut values: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    values.try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
}
