//! `billkit notifications decrypt`: what a listener received, decrypted
//! and typed, for debugging the listener.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use billkit::billpro::notifications::{
    IV_HEADER, MAX_BODY_HEX, Notification, NotificationKey, Payload, PaymentPayload, TAG_HEADER,
};
use serde_json::{Value, json};

use crate::{Error, Exit};

/// The environment variable holding the listener's key.
const KEY_ENV: &str = "BILLPRO_NOTIFICATION_KEY";

const LONG_ABOUT: &str = "\
Decrypt a BillPro payment notification (AES-256-GCM) and print it typed.

The key (64 hex characters) comes from BILLPRO_NOTIFICATION_KEY or --key-file,
never from the command line. The IV and tag come from --headers (the request's
header lines, `Name: value`, as a listener dumps them; a request line and
anything after the first blank line are skipped) or from --iv and --tag. The body
(the hex ciphertext) comes from --body FILE, or stdin with `--body -`.

Exit status 1 when the notification does not decrypt (the error says which part is
wrong: a missing or malformed header, or a failed authentication).

--json prints {\"notification\": {...} | null, \"parse_error\": text | null,
\"plaintext\": the decrypted JSON}.";

/// Commands of `billkit notifications`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Decrypt a notification and print it typed.
    #[command(long_about = LONG_ABOUT, after_help = crate::EXIT_HELP)]
    Decrypt(DecryptArgs),
}

/// The arguments of `Decrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct DecryptArgs {
    /// A file holding the key (64 hex characters); without it the key is
    /// read from BILLPRO_NOTIFICATION_KEY.
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// A file of the request's header lines, holding X-Initialization-Vector
    /// and X-Authentication-Tag.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["iv", "tag"])]
    headers: Option<PathBuf>,
    /// The X-Initialization-Vector value (hex).
    #[arg(long, value_name = "HEX", requires = "tag")]
    iv: Option<String>,
    /// The X-Authentication-Tag value (hex).
    #[arg(long, value_name = "HEX", requires = "iv")]
    tag: Option<String>,
    /// The body (hex ciphertext); `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    body: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(command: Command) -> Result<Exit, Error> {
    match command {
        Command::Decrypt(args) => decrypt(&args),
    }
}

fn decrypt(args: &DecryptArgs) -> Result<Exit, Error> {
    let key = read_key(args.key_file.as_deref())?;
    let (iv, tag) = match &args.headers {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            header_values(&text)
        }
        None => (args.iv.clone(), args.tag.clone()),
    };
    // Read no further than a body the decryption could accept (and some
    // white space around it): a longer one is refused as too large anyway.
    let limit = (MAX_BODY_HEX as u64).saturating_add(64 * 1024);
    let mut body = Vec::new();
    let read = if args.body.as_os_str() == "-" {
        std::io::stdin().take(limit).read_to_end(&mut body)
    } else {
        std::fs::File::open(&args.body).and_then(|f| f.take(limit).read_to_end(&mut body))
    };
    read.map_err(|e| format!("cannot read the body {}: {e}", args.body.display()))?;
    let plaintext = match key.decrypt(
        iv.as_deref().map(str::as_bytes),
        tag.as_deref().map(str::as_bytes),
        &body,
    ) {
        Ok(p) => p,
        Err(e) => {
            // The message, then the variant's name for scripts to match.
            eprintln!("error: {e} [{e:?}]");
            return Ok(Exit::Found);
        }
    };
    let parsed = plaintext.parse();
    let mut out = std::io::stdout().lock();
    if args.json {
        let raw: Value = serde_json::from_slice(plaintext.as_bytes()).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(plaintext.as_bytes()).into_owned())
        });
        let (notification, error) = match &parsed {
            Ok(n) => (typed(n), Value::Null),
            Err(e) => (Value::Null, json!(e.message())),
        };
        serde_json::to_writer(
            &mut out,
            &json!({"notification": notification, "parse_error": error, "plaintext": raw}),
        )?;
        writeln!(out)?;
        return Ok(Exit::Success);
    }
    match &parsed {
        Ok(n) => readable(&mut out, n)?,
        Err(e) => {
            writeln!(
                out,
                "decrypted {} bytes, but not a notification billkit can type ({}):",
                plaintext.as_bytes().len(),
                e.message()
            )?;
            writeln!(out, "{}", String::from_utf8_lossy(plaintext.as_bytes()))?;
        }
    }
    Ok(Exit::Success)
}

/// The key, from the file or the environment; its text is never repeated.
fn read_key(file: Option<&Path>) -> Result<NotificationKey, Error> {
    let text = match file {
        Some(path) => {
            crate::credentials::check_private(path)?;
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?
        }
        None => std::env::var(KEY_ENV).map_err(|_| {
            format!("set {KEY_ENV} or give --key-file (the key is never an argument)")
        })?,
    };
    Ok(text
        .parse::<NotificationKey>()
        .map_err(|e| format!("{e}"))?)
}

/// The IV and tag of a header dump: `Name: value` lines, names in any case.
fn header_values(text: &str) -> (Option<String>, Option<String>) {
    let (mut iv, mut tag) = (None, None);
    let mut seen_header = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if seen_header {
                break;
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        seen_header = true;
        let name = name.trim();
        if name.eq_ignore_ascii_case(IV_HEADER) {
            iv = Some(value.trim().to_owned());
        } else if name.eq_ignore_ascii_case(TAG_HEADER) {
            tag = Some(value.trim().to_owned());
        }
    }
    (iv, tag)
}

fn typed(n: &Notification) -> Value {
    let payload = match &n.payload {
        Payload::Payment(p) => payment_json(p),
        Payload::Other(Some(raw)) => serde_json::from_str(raw.get()).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    json!({
        "type": n.kind.as_str(),
        "action": n.action.as_ref().map(|a| a.as_str()),
        "billpro_acts_on": n.billpro_acts_on(),
        "payload": payload,
    })
}

fn payment_json(p: &PaymentPayload) -> Value {
    json!({
        "id": p.id,
        "payment_type": p.payment_type.as_ref().map(|t| t.as_str()),
        "payment_brand": p.payment_brand,
        "amount": p.amount.map(|a| a.to_string()),
        "currency": p.currency,
        "merchant_transaction_id": p.merchant_transaction_id,
        "result_code": p.result.as_ref().map(|r| r.code.to_string()),
        "result_description": p.result.as_ref().and_then(|r| r.description.clone()),
        "result_class": format!("{:?}", p.result_class()),
        "approved": p.is_approved(),
        "timestamp": p.timestamp.map(|t| t.to_rfc3339()),
    })
}

fn readable(out: &mut impl Write, n: &Notification) -> std::io::Result<()> {
    writeln!(out, "type: {}", n.kind)?;
    if let Some(a) = &n.action {
        writeln!(out, "action: {a}")?;
    }
    writeln!(
        out,
        "billpro acts on it: {}",
        if n.billpro_acts_on() { "yes" } else { "no" }
    )?;
    match &n.payload {
        Payload::Payment(p) => {
            writeln!(out, "payment id: {}", p.id)?;
            if let Some(t) = &p.payment_type {
                writeln!(out, "payment type: {t}")?;
            }
            if let Some(a) = p.amount {
                writeln!(out, "amount: {a} {}", p.currency.as_deref().unwrap_or(""))?;
            }
            if let Some(r) = &p.result {
                writeln!(
                    out,
                    "result: {} {} ({:?}, {})",
                    r.code,
                    r.description.as_deref().unwrap_or(""),
                    p.result_class(),
                    if p.is_approved() {
                        "approved"
                    } else {
                        "not approved"
                    }
                )?;
            }
            if let Some(m) = &p.merchant_transaction_id {
                writeln!(out, "merchant transaction id: {m}")?;
            }
            if let Some(t) = p.timestamp {
                writeln!(out, "timestamp: {}", t.to_rfc3339())?;
            }
        }
        Payload::Other(Some(raw)) => writeln!(out, "payload: {}", raw.get())?,
        _ => writeln!(out, "payload: none")?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_dump_values_are_found_in_any_case() {
        let dump = "POST /hook HTTP/1.1\r\nHost: x\r\nx-initialization-vector: AA\r\n\
                    X-Authentication-Tag:  BB \r\n\r\nX-Authentication-Tag: CC\r\n";
        assert_eq!(
            header_values(dump),
            (Some("AA".to_owned()), Some("BB".to_owned()))
        );
    }
}
