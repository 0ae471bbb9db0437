//! `billkit sandbox serve` driven from outside Rust: runs
//! `sandbox_over_http.py` (Python 3, standard library only) against the
//! built binary, so `cargo test` runs the cross-language test too.

use std::path::Path;
use std::process::Command;

/// Whether `python3` can be run.
fn python3() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn sandbox_server_driven_over_http_only_through_seed_faults_journal_restart() {
    if !python3() {
        // In CI the script must run: a missing interpreter is a failure
        // there, not a silent pass.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 is not on PATH, and CI=true: install Python 3 to run the sandbox-over-HTTP test"
        );
        eprintln!("skipped: python3 is not on PATH (set CI=true to make this a failure)");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox_over_http.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_billkit"))
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the script failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
