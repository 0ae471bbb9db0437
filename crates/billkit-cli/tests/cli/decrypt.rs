//! `billkit notifications decrypt`: the published vector, a typed payment,
//! a tampered body, and the key kept out of every output.

use billkit::billpro::notifications::NotificationKey;
use serde_json::json;

use crate::common::{run, run_with_stdin, temp_dir};

/// The gateway's published example.
const KEY: &str = "000102030405060708090A0B0C0D0E0F000102030405060708090A0B0C0D0E0F";
const IV: &str = "3D575574536D450F71AC76D8";
const TAG: &str = "19FDD068C6F383C173D3A906F7BD1D83";
const BODY: &str = "F8E2F759E528CB69375E51DB2AF9B53734E393";

const PAYMENT: &str = r#"{"type":"PAYMENT","payload":{"id":"8a82944a4cc25ebf014cc2c782423202","paymentType":"DB","paymentBrand":"VISA","amount":"92.00","currency":"EUR","merchantTransactionId":"W58XGHF","result":{"code":"000.000.000","description":"Transaction succeeded"},"card":{"bin":"420000","last4Digits":"0000","holder":"Jane Jones","expiryMonth":"05","expiryYear":"2034"},"timestamp":"2015-12-07 16:46:07+0000"}}"#;

fn key_env() -> Vec<(String, String)> {
    vec![("BILLPRO_NOTIFICATION_KEY".to_owned(), KEY.to_owned())]
}

fn assert_no_key(out: &crate::common::Out) {
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !text.to_ascii_uppercase().contains(KEY),
            "the key was printed: {out:?}"
        );
    }
}

#[tokio::test]
async fn the_published_vector_decrypts() {
    let args = [
        "notifications",
        "decrypt",
        "--iv",
        IV,
        "--tag",
        TAG,
        "--body",
        "-",
    ];
    let out = run_with_stdin(&args, &key_env(), Some(BODY.as_bytes())).await;
    assert_no_key(&out);
    assert_eq!(out.code, Some(0), "{out:?}");
    // It carries no payload, so it decrypts but cannot be typed as a payment.
    assert_eq!(
        out.stdout,
        "decrypted 19 bytes, but not a notification billkit can type (no `payload`):\n\
         {\"type\": \"PAYMENT\"}\n"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = run_with_stdin(&json_args, &key_env(), Some(BODY.as_bytes())).await;
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!({"notification": null, "parse_error": "no `payload`", "plaintext": {"type": "PAYMENT"}})
    );
}

/// Header dump and body files of `PAYMENT`, encrypted with the key.
fn payment_files(name: &str) -> (String, String) {
    let key: NotificationKey = KEY.parse().unwrap();
    let sealed = key.encrypt_with_iv(PAYMENT.as_bytes(), [7; 12]);
    let dir = temp_dir(name);
    let headers = dir.join("headers");
    let body = dir.join("body");
    std::fs::write(
        &headers,
        format!(
            "POST /billpro/hook HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\n\
             X-Initialization-Vector: {}\r\nx-authentication-tag: {}\r\n\r\n",
            sealed.iv,
            sealed.tag.to_ascii_lowercase()
        ),
    )
    .unwrap();
    std::fs::write(&body, format!("{}\n", sealed.body)).unwrap();
    (
        headers.to_str().unwrap().to_owned(),
        body.to_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_payment_prints_typed_from_a_header_dump() {
    let (headers, body) = payment_files("typed");
    let args = [
        "notifications",
        "decrypt",
        "--headers",
        &headers,
        "--body",
        &body,
    ];
    let out = run(&args, &key_env()).await;
    assert_no_key(&out);
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{out:?}");
    assert_eq!(
        out.stdout,
        "type: PAYMENT\n\
         billpro acts on it: yes\n\
         payment id: 8a82944a4cc25ebf014cc2c782423202\n\
         payment type: DB\n\
         amount: 92.00 EUR\n\
         result: 000.000.000 Transaction succeeded (Approved, approved)\n\
         merchant transaction id: W58XGHF\n\
         timestamp: 2015-12-07T16:46:07+00:00\n"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = run(&json_args, &key_env()).await;
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["notification"],
        json!({"type": "PAYMENT", "action": null, "billpro_acts_on": true, "payload": {
            "id": "8a82944a4cc25ebf014cc2c782423202", "payment_type": "DB", "payment_brand": "VISA",
            "amount": "92.00", "currency": "EUR", "merchant_transaction_id": "W58XGHF",
            "result_code": "000.000.000", "result_description": "Transaction succeeded",
            "result_class": "Approved", "approved": true, "timestamp": "2015-12-07T16:46:07+00:00"}})
    );
    assert_eq!(
        v["plaintext"],
        serde_json::from_str::<serde_json::Value>(PAYMENT).unwrap()
    );
}

#[tokio::test]
async fn a_flipped_byte_fails_authentication_with_exit_1() {
    let mut body = BODY.as_bytes().to_vec();
    body[0] = b'0'; // F8 -> 08
    let args = [
        "notifications",
        "decrypt",
        "--iv",
        IV,
        "--tag",
        TAG,
        "--body",
        "-",
    ];
    let out = run_with_stdin(&args, &key_env(), Some(&body)).await;
    assert_no_key(&out);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: notification: authentication failed (wrong key, or the message was altered) [Authentication]\n"
    );
}

#[tokio::test]
async fn a_missing_header_is_named() {
    let dir = temp_dir("missing_header");
    let headers = dir.join("headers");
    std::fs::write(&headers, format!("X-Initialization-Vector: {IV}\n")).unwrap();
    let args = [
        "notifications",
        "decrypt",
        "--headers",
        headers.to_str().unwrap(),
        "--body",
        "-",
    ];
    let out = run_with_stdin(&args, &key_env(), Some(BODY.as_bytes())).await;
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr,
        "error: notification: the X-Authentication-Tag header is missing [Missing { part: AuthenticationTag }]\n"
    );
}

#[tokio::test]
async fn the_key_comes_from_a_private_file_and_is_never_repeated() {
    let dir = temp_dir("key_file");
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    set_mode(&key_file, 0o600);
    let args = [
        "notifications",
        "decrypt",
        "--key-file",
        key_file.to_str().unwrap(),
        "--iv",
        IV,
        "--tag",
        TAG,
        "--body",
        "-",
    ];
    let out = run_with_stdin(&args, &[], Some(BODY.as_bytes())).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_no_key(&out);
    set_mode(&key_file, 0o644);
    let out = run_with_stdin(&args, &[], Some(BODY.as_bytes())).await;
    assert_eq!(out.code, Some(3));
    assert!(
        out.stderr
            .contains("may be read by other users: run `chmod 600"),
        "{out:?}"
    );
    // A malformed key: the error says what is wrong, not what it was.
    let bad = format!("{}ZZ", &KEY[..62]);
    let env = vec![("BILLPRO_NOTIFICATION_KEY".to_owned(), bad.clone())];
    let args = [
        "notifications",
        "decrypt",
        "--iv",
        IV,
        "--tag",
        TAG,
        "--body",
        "-",
    ];
    let out = run_with_stdin(&args, &env, Some(BODY.as_bytes())).await;
    assert_eq!(out.code, Some(3));
    assert_eq!(
        out.stderr,
        "error: the notification key must be hex: character 62 is not\n"
    );
    assert!(!out.stderr.contains(&bad[..20]));
    // And never an argument: clap knows no --key.
    let out = run(
        &["notifications", "decrypt", "--key", KEY, "--body", "-"],
        &[],
    )
    .await;
    assert_eq!(out.code, Some(2));
    assert_no_key(&out);
}

#[cfg(unix)]
pub fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
pub fn set_mode(_path: &std::path::Path, _mode: u32) {}

#[tokio::test]
async fn a_body_beyond_the_limit_is_refused_unread() {
    use billkit::billpro::notifications::MAX_BODY_HEX;
    let dir = temp_dir("large_body");
    let body = dir.join("body");
    // Far beyond the limit: only the first part is read.
    std::fs::write(&body, vec![b'A'; MAX_BODY_HEX * 4]).unwrap();
    let args = [
        "notifications",
        "decrypt",
        "--iv",
        IV,
        "--tag",
        TAG,
        "--body",
        body.to_str().unwrap(),
    ];
    let out = run(&args, &key_env()).await;
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr,
        format!(
            "error: notification: the body is longer than {MAX_BODY_HEX} hex characters \
             [TooLarge {{ limit: {MAX_BODY_HEX} }}]\n"
        )
    );
}
