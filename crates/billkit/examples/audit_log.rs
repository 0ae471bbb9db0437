//! An audit log and metrics for every call, against the offline Billmora
//! sandbox: each attempt, answer, retry decision and rate-limit wait is
//! written to stderr as one JSON line (tokens and secret fields blanked),
//! and the counters and histograms of the `metrics` facade are printed at
//! the end.
//!
//! ```text
//! cargo run -p billkit --example audit_log --features metrics
//! ```
//!
//! In production, install the recorder of your metrics system instead
//! (`metrics-exporter-prometheus`, an OpenTelemetry bridge, ...) and write
//! the audit log to a file.

use std::process::ExitCode;
use std::sync::Arc;

use billkit::billmora::InvoiceFilter;
use billkit::http::AuditLog;
use billkit_sandbox::billmora::BillmoraSandbox;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Metrics: any `metrics` recorder; this one keeps values to print.
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install()?;

    let sandbox = BillmoraSandbox::start().await?;
    // The audit log: JSON Lines to stderr (any `Write + Send`: a file, a
    // buffer), with bodies, secret fields blanked.
    let audit = AuditLog::new(std::io::stderr()).with_bodies(true);
    let client = sandbox.client_builder().hook(Arc::new(audit)).build()?;

    // A busy server: the first list answers 503 and is retried.
    sandbox.faults().on("GET", "/invoices").fail(1, 503);
    let page = client
        .invoices()
        .list(&InvoiceFilter::new())
        .page(1)
        .await?;
    println!("listed {} invoice(s)", page.items.len());

    println!("metrics:");
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let labels: Vec<String> = key
            .key()
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let value = match value {
            DebugValue::Counter(n) => n.to_string(),
            DebugValue::Gauge(g) => g.to_string(),
            DebugValue::Histogram(h) => format!("{} sample(s)", h.len()),
        };
        println!("  {}{{{}}} {value}", key.key().name(), labels.join(","));
    }
    Ok(())
}
