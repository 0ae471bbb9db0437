//! Decrypt and authenticate as one step: the published vector, every
//! single-bit change refused, and each malformed part named.

use billkit::billpro::notifications::{
    DecryptError, Encrypted, KeyError, MAX_BODY_HEX, NotificationKey, Part,
};
use billkit_sandbox::HeaderMap;

/// The gateway integration page's example (BillPro's payment-gateway
/// documentation, verified against its encryption).
pub const KEY: &str = "000102030405060708090A0B0C0D0E0F000102030405060708090A0B0C0D0E0F";
pub const IV: &str = "3D575574536D450F71AC76D8";
pub const TAG: &str = "19FDD068C6F383C173D3A906F7BD1D83";
pub const BODY: &str = "F8E2F759E528CB69375E51DB2AF9B53734E393";
const PLAINTEXT: &[u8] = br#"{"type": "PAYMENT"}"#;

fn key() -> NotificationKey {
    KEY.parse().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn the_published_vector_decrypts_to_a_payment() {
    let plain = key()
        .decrypt(Some(IV.as_bytes()), Some(TAG.as_bytes()), BODY.as_bytes())
        .unwrap();
    assert_eq!(plain.as_bytes(), PLAINTEXT);
    let n = plain.parse().unwrap_err();
    // The vector has no payload: a PAYMENT without one is refused typed.
    assert_eq!(n.message(), "no `payload`");
}

#[test]
fn lower_case_hex_and_surrounding_white_space_are_accepted() {
    let key: NotificationKey = format!("  {}\n", KEY.to_lowercase()).parse().unwrap();
    let plain = key
        .decrypt(
            Some(IV.to_lowercase().as_bytes()),
            Some(format!(" {} ", TAG.to_lowercase()).as_bytes()),
            format!("{}\r\n", BODY.to_lowercase()).as_bytes(),
        )
        .unwrap();
    assert_eq!(plain.as_bytes(), PLAINTEXT);
}

#[test]
fn from_request_headers() {
    let mut headers = HeaderMap::new();
    headers.insert("X-Initialization-Vector", IV.parse().unwrap());
    headers.insert("X-Authentication-Tag", TAG.parse().unwrap());
    let plain = key().decrypt_request(&headers, BODY.as_bytes()).unwrap();
    assert_eq!(plain.as_bytes(), PLAINTEXT);

    headers.append("X-Authentication-Tag", TAG.parse().unwrap());
    assert_eq!(
        key()
            .decrypt_request(&headers, BODY.as_bytes())
            .unwrap_err(),
        DecryptError::Repeated {
            part: Part::AuthenticationTag
        }
    );
    headers.remove("X-Authentication-Tag");
    assert_eq!(
        key()
            .decrypt_request(&headers, BODY.as_bytes())
            .unwrap_err(),
        DecryptError::Missing {
            part: Part::AuthenticationTag
        }
    );
}

/// Every bit of body, IV, tag and key: flipping any one fails
/// authentication, and nothing decrypted comes back.
#[test]
fn flipping_any_bit_of_body_iv_tag_or_key_fails_authentication() {
    let (body, iv, tag, raw_key) = (unhex(BODY), unhex(IV), unhex(TAG), unhex(KEY));
    let mut tried = 0;
    for (which, original) in [(0, &body), (1, &iv), (2, &tag), (3, &raw_key)] {
        for bit in 0..original.len() * 8 {
            let mut changed = original.clone();
            changed[bit / 8] ^= 1 << (bit % 8);
            let pick =
                |i: usize, orig: &Vec<u8>| if which == i { hex(&changed) } else { hex(orig) };
            let k: [u8; 32] = unhex(&pick(3, &raw_key)).try_into().unwrap();
            let result = NotificationKey::from_bytes(k).decrypt(
                Some(pick(1, &iv).as_bytes()),
                Some(pick(2, &tag).as_bytes()),
                pick(0, &body).as_bytes(),
            );
            assert_eq!(
                result.unwrap_err(),
                DecryptError::Authentication,
                "part {which} bit {bit}"
            );
            tried += 1;
        }
    }
    assert_eq!(tried, (19 + 12 + 16 + 32) * 8);
}

#[test]
fn each_malformed_part_is_named() {
    let k = key();
    let d = |iv: Option<&str>, tag: Option<&str>, body: &str| {
        k.decrypt(
            iv.map(str::as_bytes),
            tag.map(str::as_bytes),
            body.as_bytes(),
        )
        .unwrap_err()
    };
    use DecryptError::*;
    use Part::*;
    assert_eq!(
        d(None, Some(TAG), BODY),
        Missing {
            part: InitializationVector
        }
    );
    assert_eq!(
        d(Some(""), Some(TAG), BODY),
        Missing {
            part: InitializationVector
        }
    );
    assert_eq!(
        d(Some(IV), None, BODY),
        Missing {
            part: AuthenticationTag
        }
    );
    assert_eq!(d(Some(IV), Some(TAG), "  "), Missing { part: Body });
    assert_eq!(
        d(Some("3D57"), Some(TAG), BODY),
        WrongLength {
            part: InitializationVector,
            expected: 12,
            actual: 2
        }
    );
    assert_eq!(
        d(Some(IV), Some(&TAG[..30]), BODY),
        WrongLength {
            part: AuthenticationTag,
            expected: 16,
            actual: 15
        }
    );
    assert_eq!(
        d(Some(&IV[..23]), Some(TAG), BODY),
        OddLength {
            part: InitializationVector
        }
    );
    assert_eq!(
        d(Some(IV), Some(TAG), &BODY[..37]),
        OddLength { part: Body }
    );
    let mut bad_iv = IV.to_owned();
    bad_iv.replace_range(5..6, "g");
    assert_eq!(
        d(Some(&bad_iv), Some(TAG), BODY),
        NotHex {
            part: InitializationVector,
            at: 5
        }
    );
    assert_eq!(
        d(Some(IV), Some(&format!("+{}", &TAG[1..])), BODY),
        NotHex {
            part: AuthenticationTag,
            at: 0
        }
    );
    let mut bad_body = BODY.to_owned();
    bad_body.replace_range(10..11, "Z");
    assert_eq!(
        d(Some(IV), Some(TAG), &bad_body),
        NotHex { part: Body, at: 10 }
    );
    // A body too long is refused on its length, before any decoding.
    let long = "zz".repeat(MAX_BODY_HEX / 2 + 1);
    assert_eq!(
        d(Some(IV), Some(TAG), &long),
        TooLarge {
            limit: MAX_BODY_HEX
        }
    );
    // Errors never repeat what was sent.
    let shown = d(Some(&bad_iv), Some(TAG), BODY).to_string();
    assert!(!shown.contains(&bad_iv), "{shown}");
}

#[test]
fn a_key_must_be_64_hex_characters() {
    assert_eq!(
        NotificationKey::from_hex(&KEY[..62]).unwrap_err(),
        KeyError::WrongLength { chars: 62 }
    );
    assert_eq!(
        NotificationKey::from_hex("").unwrap_err(),
        KeyError::WrongLength { chars: 0 }
    );
    let mut bad = KEY.to_owned();
    bad.replace_range(40..41, "x");
    let err = NotificationKey::from_hex(&bad).unwrap_err();
    assert_eq!(err, KeyError::NotHex { at: 40 });
    assert!(!err.to_string().contains(&bad[..40]), "{err}");
    // Multi-byte text of the right byte length is not hex either.
    let wide = format!("é{}", &KEY[2..]);
    assert!(matches!(
        NotificationKey::from_hex(&wide).unwrap_err(),
        KeyError::NotHex { at: 0 }
    ));
}

#[test]
fn the_test_encryptor_reproduces_the_vector_and_round_trips() {
    let sealed = key().encrypt_with_iv(PLAINTEXT, unhex(IV).try_into().unwrap());
    assert_eq!(
        (
            sealed.iv.as_str(),
            sealed.tag.as_str(),
            sealed.body.as_str()
        ),
        (IV, TAG, BODY)
    );
    let fresh = Encrypted::seal(&key(), b"{\"type\":\"RISK\"}");
    assert_ne!(fresh.iv, IV);
    let plain = key()
        .decrypt(
            Some(fresh.iv.as_bytes()),
            Some(fresh.tag.as_bytes()),
            fresh.body.as_bytes(),
        )
        .unwrap();
    assert_eq!(plain.as_bytes(), b"{\"type\":\"RISK\"}");
}

#[test]
fn debug_never_shows_the_key_or_the_plaintext() {
    let k = key();
    let shown = format!("{k:?}");
    assert_eq!(shown, "NotificationKey([REDACTED])");
    let plain = k
        .decrypt(Some(IV.as_bytes()), Some(TAG.as_bytes()), BODY.as_bytes())
        .unwrap();
    let shown = format!("{plain:?}");
    assert!(shown.contains("REDACTED"), "{shown}");
    assert!(!shown.contains("PAYMENT"), "{shown}");
}
