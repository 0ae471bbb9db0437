//! `billkit export`: exact output, and resumption after a kill at any
//! point that ends byte for byte as an uninterrupted run.

use std::path::Path;
use std::time::Duration;

use billkit::Decimal;
use billkit::billmora::NewInvoice;
use billkit_sandbox::Faults;
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use billkit_sandbox::billpro::BillProSandbox;
use billkit_sandbox::billy::BillySandbox;

use crate::common::{billkit, billmora_env, billpro_env, billy_env, run, temp_dir};

fn due() -> billkit::chrono::NaiveDate {
    billkit::chrono::NaiveDate::from_ymd_opt(2030, 1, 31).unwrap()
}

/// A Billmora sandbox with `n` more invoices of uneven amounts and no
/// rate limit in the way of many runs.
async fn billmora_with_invoices(n: u32) -> BillmoraSandbox {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    sandbox.set_rate_limit(1_000_000);
    let client = sandbox.client().unwrap();
    for i in 0..n {
        let invoice = NewInvoice::new(SEED_USER_ID, due())
            .item(
                format!("line {i}, \"quoted\""),
                i % 3 + 1,
                Decimal::new(i64::from(i) * 7 + 10, 2),
            )
            .item("discount", 1, Decimal::new(-1, 2));
        client.invoices().create(&invoice).await.unwrap();
    }
    sandbox
}

/// A Billy sandbox with one customer and `n` staged invoices.
async fn billy_with_invoices(n: i64) -> BillySandbox {
    use billkit::billy::{NewAdjustment, NewCustomer, NewInvoice};
    let sandbox = BillySandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let customer = client
        .customers()
        .create(&NewCustomer::new())
        .await
        .unwrap();
    for i in 0..n {
        let invoice = NewInvoice::new(&customer.guid, 100 + i)
            .adjustment(NewAdjustment::new(-i).reason("coupon"));
        client.invoices().create(&invoice).await.unwrap();
    }
    sandbox
}

/// The rows a `--resume` state file says were written (0 before it exists).
fn rows(state: &Path) -> u64 {
    std::fs::read(state)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["rows"].as_u64())
        .unwrap_or(0)
}

/// Whether a `--resume` state file says the walk has begun and not ended.
fn mid_walk(state: &Path) -> bool {
    let Ok(bytes) = std::fs::read(state) else {
        return false;
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["done"] == false && v["rows"].as_u64().unwrap() > 0
}

/// What an uninterrupted export with `args` writes (to `dir/reference`).
async fn reference(dir: &Path, args: &[&str], env: &[(String, String)]) -> Vec<u8> {
    let reference = dir.join("reference");
    let mut once = args.to_vec();
    once.extend(["--output", reference.to_str().unwrap(), "--quiet"]);
    let out = run(&once, env).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    std::fs::read(reference).unwrap()
}

/// `args` made resumable into `output` with its state in `state`.
fn resumable<'a>(args: &[&'a str], output: &'a Path, state: &'a Path) -> Vec<&'a str> {
    let mut resumable = args.to_vec();
    resumable.extend([
        "--output",
        output.to_str().unwrap(),
        "--resume",
        state.to_str().unwrap(),
        "--quiet",
    ]);
    resumable
}

/// Exports once without interruption, then again with `--resume`, killing
/// the child (SIGKILL) after a random time, round after round, until it
/// finishes; the file must be byte-identical to the first.
async fn killed_and_resumed(
    name: &str,
    args: &[&str],
    env: &[(String, String)],
    faults: &Faults,
    seed: u64,
) {
    let dir = temp_dir(name);
    let want = reference(&dir, args, env).await;
    let (output, state) = (dir.join("out"), dir.join("state"));
    let resumable = resumable(args, &output, &state);
    // Slow answers, so that kills land between pages and within them.
    faults.set_delay(Duration::from_millis(25));
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut kills_mid_walk = 0;
    let mut last_rows = 0;
    for _ in 0..200 {
        let mut child = billkit(&resumable, env).spawn().unwrap();
        // Mostly after this run saved a page (so each round gets further),
        // sometimes before it wrote anything; then a random time more,
        // which lands in a request, a write or a save.
        if rng.u8(0..4) != 0 {
            while rows(&state) <= last_rows && child.try_wait().unwrap().is_none() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(0..60))).await;
        if child.try_wait().unwrap().is_some() {
            break;
        }
        child.kill().await.unwrap();
        if mid_walk(&state) {
            kills_mid_walk += 1;
        }
        last_rows = rows(&state);
    }
    faults.set_delay(Duration::ZERO);
    let out = run(&resumable, env).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        kills_mid_walk >= 2,
        "only {kills_mid_walk} kills landed mid-walk: the test proves too little"
    );
    let got = std::fs::read(&output).unwrap();
    assert!(
        got == want,
        "resumed export differs:\n{}\n---\n{}",
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
    // The state says the walk ended, and a run on it does nothing more.
    let out = run(&resumable, env).await;
    assert_eq!(out.code, Some(0));
    assert_eq!(std::fs::read(&output).unwrap(), want);
}

/// Kills and resumes an export of `list` in both formats, 4 records a page.
async fn both_formats(api: &str, list: &str, env: &[(String, String)], faults: &Faults) {
    for (format, seed) in [("csv", 7), ("jsonl", 11)] {
        let args = ["export", api, list, "--format", format, "--page-size", "4"];
        let name = format!("{api}_{format}");
        killed_and_resumed(&name, &args, env, faults, seed).await;
    }
}

/// A kill between a page's write and its save leaves bytes the state does
/// not count: the resume cuts them off. Made certain here, not left to a
/// kill's timing: the run is killed after a saved page, and half a row is
/// written after it, as a killed write would leave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_written_after_the_last_save_are_cut_on_resume() {
    let sandbox = billmora_with_invoices(20).await;
    let env = billmora_env(&sandbox);
    let dir = temp_dir("unsaved_tail");
    let args = [
        "export",
        "billmora",
        "invoices",
        "--format",
        "csv",
        "--page-size",
        "4",
    ];
    let want = reference(&dir, &args, &env).await;
    let (output, state) = (dir.join("out"), dir.join("state"));
    let resumable = resumable(&args, &output, &state);
    sandbox.faults().set_delay(Duration::from_millis(200));
    let mut child = billkit(&resumable, &env).spawn().unwrap();
    while !mid_walk(&state) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the export ended first"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    child.kill().await.unwrap();
    sandbox.faults().set_delay(Duration::ZERO);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&output)
        .unwrap();
    std::io::Write::write_all(&mut file, b"1,INV-HALF,unpa").unwrap();
    drop(file);

    assert_eq!(run(&resumable, &env).await.code, Some(0));
    assert_eq!(
        String::from_utf8(std::fs::read(&output).unwrap()).unwrap(),
        String::from_utf8(want).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billmora_export_killed_at_random_points_resumes_byte_identical() {
    let sandbox = billmora_with_invoices(40).await;
    both_formats(
        "billmora",
        "invoices",
        &billmora_env(&sandbox),
        sandbox.faults(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billy_export_killed_at_random_points_resumes_byte_identical() {
    let sandbox = billy_with_invoices(40).await;
    both_formats("billy", "invoices", &billy_env(&sandbox), sandbox.faults()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billpro_customers_export_killed_at_random_points_resumes_byte_identical() {
    use billkit::billpro::NewCustomer;
    let sandbox = BillProSandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // BillPro's pages hold 25: enough customers for five.
    for i in 0..110 {
        let customer = NewCustomer::new("Dana", format!("Borys {i}"), format!("d{i}@example.com"));
        client.customers().create(&customer).await.unwrap();
    }
    let env = billpro_env(&sandbox);
    for (format, seed) in [("csv", 19), ("jsonl", 23)] {
        let args = ["export", "billpro", "customers", "--format", format];
        let name = format!("billpro_{format}");
        killed_and_resumed(&name, &args, &env, sandbox.faults(), seed).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_created_between_kill_and_resume_repeat_nothing() {
    let sandbox = billmora_with_invoices(18).await;
    let env = billmora_env(&sandbox);
    let client = sandbox.client().unwrap();
    let before: Vec<u64> = {
        let all = client
            .invoices()
            .list(&billkit::billmora::InvoiceFilter::new())
            .collect_all()
            .await
            .unwrap();
        all.iter().map(|i| i.id.get()).collect()
    };
    let mut added = Vec::new();
    let create = async {
        // New invoices go to the head of the newest-first list, moving every
        // unread invoice back: a walk by position would read some twice.
        for i in 0..3 {
            let invoice =
                NewInvoice::new(SEED_USER_ID, due()).item(format!("late {i}"), 1, Decimal::ONE);
            added.push(client.invoices().create(&invoice).await.unwrap().id.get());
        }
    };
    let ids = killed_after_one_page(
        "created_mid_walk",
        "billmora",
        "invoices",
        &env,
        sandbox.faults(),
        create,
    )
    .await;
    // Billmora stamps created_at to the second: an invoice made in the
    // same second as the last one written cannot be placed before it, so
    // the walk may include it, once. The older ones come once each, in order.
    let old: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| before.contains(id))
        .collect();
    assert_eq!(
        old, before,
        "each invoice that existed when the walk began, once, in order"
    );
    let mut seen = ids.clone();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), ids.len(), "no invoice twice: {ids:?}");
    assert!(
        ids.iter()
            .all(|id| before.contains(id) || added.contains(id))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_cells_are_exact_amounts_in_the_models_field_order() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    // A second after the seed data, so it is the newest (rows of one
    // second list in id order, as on the real server).
    sandbox.clock().advance(std::time::Duration::from_secs(1));
    let invoice = client
        .invoices()
        .create(&NewInvoice::new(SEED_USER_ID, due()).item("a, \"b\"", 3, Decimal::new(10, 2)))
        .await
        .unwrap();
    // The server sends 0.30 - 0.10 as the float 0.19999999999999998.
    assert!(sandbox.record_payment(invoice.id, Decimal::new(10, 2)));
    let out = run(
        &["export", "billmora", "invoices", "--quiet"],
        &billmora_env(&sandbox),
    )
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stderr, "");
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "invoice_number",
            "status",
            "subtotal",
            "discount",
            "tax",
            "total",
            "currency",
            "notes",
            "due_date",
            "paid_at",
            "amount_due",
            "user",
            "created_at",
            "updated_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let listed = client
        .invoices()
        .list(&billkit::billmora::InvoiceFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(rows.len(), listed.len());
    // Newest first: the new invoice is the first row.
    let row = &rows[0];
    let cell = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    assert_eq!(cell("id"), invoice.id.to_string());
    assert_eq!(cell("subtotal"), "0.30");
    assert_eq!(cell("total"), "0.30");
    assert_eq!(cell("amount_due"), "0.20");
    assert_eq!(cell("notes"), "");
    let user: serde_json::Value = serde_json::from_str(cell("user")).unwrap();
    assert_eq!(user["id"], 1);
    assert!(
        !cell("user").contains(": "),
        "nested values are compact JSON"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_lines_go_to_stderr_and_quiet_silences_them() {
    let sandbox = billmora_with_invoices(6).await;
    let env = billmora_env(&sandbox);
    let dir = temp_dir("progress");
    let output = dir.join("out");
    let args = [
        "export",
        "billmora",
        "invoices",
        "--page-size",
        "3",
        "--output",
        output.to_str().unwrap(),
    ];
    let out = run(&args, &env).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "exported 3 rows\nexported 6 rows\nexported 8 rows\ndone: 8 rows\n"
    );
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let out = run(&quiet, &env).await;
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(0), "", "")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_list_is_a_usage_error() {
    let out = run(&["export", "billy", "orders"], &[]).await;
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("`orders` is not a list of billy; choose one of: customers, plans, subscriptions, invoices, transactions"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_of_another_export_is_refused() {
    let sandbox = billmora_with_invoices(2).await;
    let env = billmora_env(&sandbox);
    let dir = temp_dir("other_state");
    let (output, state) = (dir.join("out"), dir.join("state"));
    let (o, s) = (output.to_str().unwrap(), state.to_str().unwrap());
    let first = [
        "export", "billmora", "invoices", "-o", o, "--resume", s, "-q",
    ];
    assert_eq!(run(&first, &env).await.code, Some(0));
    let other = ["export", "billmora", "users", "-o", o, "--resume", s, "-q"];
    let out = run(&other, &env).await;
    assert_eq!(out.code, Some(3));
    assert!(
        out.stderr
            .starts_with("error: the state file is for `billmora invoices`"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billmora_lists_filter_on_status() {
    use billkit::billmora::{InvoiceStatus, InvoiceUpdate};
    let sandbox = billmora_with_invoices(5).await;
    let client = sandbox.client().unwrap();
    let paid = client
        .invoices()
        .update(3, &InvoiceUpdate::new().status(InvoiceStatus::Paid))
        .await
        .unwrap();
    let env = billmora_env(&sandbox);
    let args = [
        "export", "billmora", "invoices", "--status", "paid", "--format", "jsonl", "-q",
    ];
    let out = run(&args, &env).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    let rows: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], paid.id.get());
    assert_eq!(rows[0]["status"], "paid");
    let out = run(&["export", "billy", "plans", "--status", "x"], &env).await;
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("--status and --search filter Billmora lists only")
    );
}

/// Runs a resumable JSONL export of `list` with slow answers, kills it as
/// soon as its first page is saved, runs `between`, then resumes it to the
/// end; the ids of the rows written.
async fn killed_after_one_page(
    name: &str,
    api: &str,
    list: &str,
    env: &[(String, String)],
    faults: &Faults,
    between: impl std::future::Future<Output = ()>,
) -> Vec<u64> {
    let dir = temp_dir(name);
    let (output, state) = (dir.join("out"), dir.join("state"));
    let args = [
        "export",
        api,
        list,
        "--format",
        "jsonl",
        "--page-size",
        "5",
        "--output",
        output.to_str().unwrap(),
        "--resume",
        state.to_str().unwrap(),
        "--quiet",
    ];
    faults.set_delay(Duration::from_millis(40));
    let mut child = billkit(&args, env).spawn().unwrap();
    while !mid_walk(&state) {
        assert!(child.try_wait().unwrap().is_none(), "the walk ended first");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().await.unwrap();
    faults.set_delay(Duration::ZERO);
    between.await;
    let out = run(&args, env).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_appended_between_kill_and_resume_appear_once() {
    use billkit::billpro::NewCustomer;
    let sandbox = BillProSandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mut want = Vec::new();
    for i in 0..60 {
        let c = NewCustomer::new("Dana", format!("Borys {i}"), format!("d{i}@example.com"));
        want.push(client.customers().create(&c).await.unwrap().id.get());
    }
    // BillPro lists oldest first: the new customers come at the end, after
    // the page the walk was killed on.
    let mut added = Vec::new();
    let create = async {
        for i in 0..30 {
            let c = NewCustomer::new("Late", format!("Comer {i}"), format!("l{i}@example.com"));
            added.push(client.customers().create(&c).await.unwrap().id.get());
        }
    };
    let env = billpro_env(&sandbox);
    let got = killed_after_one_page(
        "appended",
        "billpro",
        "customers",
        &env,
        sandbox.faults(),
        create,
    )
    .await;
    want.extend(added);
    assert_eq!(got, want, "every customer once, the late ones included");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_exports_the_sub_list_of_one_parent() {
    use billkit::billy::{NewCustomer, NewInvoice};
    let sandbox = BillySandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let mut per_customer = Vec::new();
    for n in 0..2 {
        let customer = client
            .customers()
            .create(&NewCustomer::new())
            .await
            .unwrap();
        let mut guids = Vec::new();
        for amount in [100, 200 + n] {
            let invoice = NewInvoice::new(&customer.guid, amount);
            guids.push(client.invoices().create(&invoice).await.unwrap().guid);
        }
        per_customer.push((customer.guid, guids));
    }
    let env = billy_env(&sandbox);
    for (customer, invoices) in &per_customer {
        let args = [
            "export",
            "billy",
            "invoices",
            "--of",
            customer.as_str(),
            "--format",
            "jsonl",
            "-q",
        ];
        let out = run(&args, &env).await;
        assert_eq!(out.code, Some(0), "{out:?}");
        let mut got: Vec<String> = out
            .stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["guid"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        got.sort();
        let mut want: Vec<String> = invoices.iter().map(|g| g.as_str().to_owned()).collect();
        want.sort();
        assert_eq!(got, want);
    }
    // A parent the list has no sub-list under is a usage error.
    let plan_of_invoice = [
        "export",
        "billy",
        "plans",
        "--of",
        per_customer[0].0.as_str(),
    ];
    let out = run(&plan_of_invoice, &env).await;
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("is not a parent of `billy plans`"),
        "{out:?}"
    );
}
