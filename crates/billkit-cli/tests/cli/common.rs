//! Running the binary and reading what it printed.

use std::path::PathBuf;
use std::process::Stdio;

use billkit_sandbox::billmora::BillmoraSandbox;
use billkit_sandbox::billpro::BillProSandbox;
use billkit_sandbox::billy::BillySandbox;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The binary with an empty environment (no proxies, no credentials from
/// the developer's shell), `NO_COLOR` set and `envs` added.
pub fn billkit(args: &[&str], envs: &[(String, String)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_billkit"));
    c.args(args)
        .env_clear()
        .env("NO_COLOR", "1")
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

/// What a finished run printed.
#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary to its end. Asserts what holds for every run: stdout
/// and stderr are not a terminal here, so neither holds an ANSI escape.
pub async fn run(args: &[&str], envs: &[(String, String)]) -> Out {
    run_with_stdin(args, envs, None).await
}

/// [`run`] with `stdin` fed to the child.
pub async fn run_with_stdin(args: &[&str], envs: &[(String, String)], stdin: Option<&[u8]>) -> Out {
    let mut cmd = billkit(args, envs);
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(bytes).await.expect("stdin takes the bytes");
        drop(pipe);
    }
    let out = child.wait_with_output().await.expect("the binary ends");
    let out = Out {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !out.stdout.contains('\x1b') && !out.stderr.contains('\x1b'),
        "an ANSI escape in the output of {args:?}: {out:?}"
    );
    out
}

/// A fresh directory for one test's files.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

/// The environment that points the binary at a Billmora sandbox.
pub fn billmora_env(s: &BillmoraSandbox) -> Vec<(String, String)> {
    vec![
        pair("BILLMORA_API_TOKEN", s.token()),
        pair("BILLMORA_BASE_URL", s.base_url()),
    ]
}

/// The environment that points the binary at a BillPro sandbox.
pub fn billpro_env(s: &BillProSandbox) -> Vec<(String, String)> {
    vec![
        pair("BILLPRO_API_TOKEN", s.token()),
        pair("BILLPRO_BASE_URL", s.base_url()),
        pair("BILLPRO_PROFILE_ID", s.profile_id().to_string()),
    ]
}

/// The environment that points the binary at a Billy sandbox.
pub fn billy_env(s: &BillySandbox) -> Vec<(String, String)> {
    vec![
        pair("BILLY_API_KEY", s.api_key()),
        pair("BILLY_BASE_URL", s.base_url()),
    ]
}
