//! The command line's conventions: help and version, exit statuses, no
//! colours off a terminal, and credentials never printed.

use billkit_sandbox::billmora::BillmoraSandbox;

use crate::common::{run, temp_dir};

#[tokio::test]
async fn every_command_has_help_that_exits_0() {
    let commands: [&[&str]; 7] = [
        &[],
        &["export"],
        &["reconcile"],
        &["notifications"],
        &["notifications", "decrypt"],
        &["sandbox"],
        &["sandbox", "serve"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = run(&args, &[]).await;
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
        assert!(out.stdout.starts_with(if command.is_empty() {
            "The `billkit` command line"
        } else {
            ""
        }));
        assert!(out.stdout.contains("Usage: billkit"), "{args:?}: {out:?}");
    }
    // Exit statuses are documented where a user looks for them.
    for args in [
        &["--help"][..],
        &["export", "--help"],
        &["reconcile", "--help"],
    ] {
        let out = run(args, &[]).await;
        assert!(
            out.stdout.contains("Exit status: 0 success, 1 checks found a break (reconcile) or a notification failed to decrypt, 2 usage error, 3 the API, the network or a file failed."),
            "{args:?}: {out:?}"
        );
    }
}

#[tokio::test]
async fn version_prints_the_crate_version() {
    let out = run(&["--version"], &[]).await;
    assert_eq!(out.code, Some(0));
    assert_eq!(
        out.stdout,
        format!("billkit {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn a_usage_error_exits_2_without_colour() {
    // `run` asserts no escape in any output; NO_COLOR is set and neither
    // stream is a terminal.
    let out = run(&["export", "--format", "xml", "billy", "plans"], &[]).await;
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("invalid value 'xml'"), "{out:?}");
}

const CANARY: &str = "canary-Zq81-secret-token";

/// Every command, failing or not, with the canary as every credential:
/// it appears in no output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_in_the_environment_is_never_printed() {
    let billmora = BillmoraSandbox::start().await.unwrap();
    let url = billmora.base_url();
    let mut env: Vec<(String, String)> = [
        "BILLPRO_API_TOKEN",
        "BILLMORA_API_TOKEN",
        "BILLY_API_KEY",
        "BILLPRO_NOTIFICATION_KEY",
    ]
    .iter()
    .map(|k| ((*k).to_owned(), CANARY.to_owned()))
    .collect();
    for k in ["BILLPRO_BASE_URL", "BILLMORA_BASE_URL", "BILLY_BASE_URL"] {
        env.push((k.to_owned(), url.clone()));
    }
    let runs: [&[&str]; 9] = [
        &["export", "billmora", "invoices"],
        &["export", "billpro", "orders", "--format", "jsonl"],
        &["export", "billy", "plans"],
        &["reconcile"],
        &["reconcile", "billmora", "--json"],
        &[
            "notifications",
            "decrypt",
            "--iv",
            "00",
            "--tag",
            "00",
            "--body",
            "-",
        ],
        &["export", "billmora", "nothing"],
        &["reconcile", "--bogus"],
        &["--help"],
    ];
    let mut failures = 0;
    for args in runs {
        let out = run(args, &env).await;
        assert!(
            !out.stdout.contains(CANARY) && !out.stderr.contains(CANARY),
            "{args:?} printed the token: {out:?}"
        );
        failures += usize::from(out.code != Some(0));
    }
    // Each command but --help failed (wrong tokens, a wrong key, usage),
    // so the error paths were the ones checked.
    assert_eq!(failures, runs.len() - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credentials_file_is_read_and_refused_when_others_may_read_it() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let dir = temp_dir("credentials_file");
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        format!(
            "# billkit\nBILLMORA_API_TOKEN=\"{}\"\nexport BILLMORA_BASE_URL={}\n",
            sandbox.token(),
            sandbox.base_url()
        ),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    crate::decrypt::set_mode(&file, 0o600);
    let args = [
        "export",
        "billmora",
        "tlds",
        "--credentials",
        path,
        "--quiet",
        "--format",
        "jsonl",
    ];
    let out = run(&args, &[]).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.stdout.lines().count(),
        2,
        "the two seeded TLDs: {out:?}"
    );
    // The file's values win over the environment's.
    let wrong = vec![("BILLMORA_API_TOKEN".to_owned(), "wrong".to_owned())];
    assert_eq!(run(&args, &wrong).await.code, Some(0));
    crate::decrypt::set_mode(&file, 0o640);
    let out = run(&args, &[]).await;
    assert_eq!(out.code, Some(3));
    assert_eq!(
        out.stderr,
        format!(
            "error: the credentials file {path} may be read by other users: run `chmod 600 {path}` first\n"
        )
    );
    assert!(!out.stderr.contains(sandbox.token()));
    // A line that is not NAME=VALUE is named by number, its text unrepeated.
    std::fs::write(&file, format!("{}\n", sandbox.token())).unwrap();
    crate::decrypt::set_mode(&file, 0o600);
    let out = run(&args, &[]).await;
    assert_eq!(out.code, Some(3));
    assert_eq!(
        out.stderr,
        format!("error: {path} line 1: expected NAME=VALUE\n")
    );
}
