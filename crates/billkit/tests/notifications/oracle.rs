//! What must hold for any (headers, body) a sender can post, shared by the
//! property tests and the `notification` fuzz target: no panic, one typed
//! error or the exact plaintext, and parsing that never panics either.

#![allow(dead_code)]

use billkit::billpro::notifications::{DecryptError, Notification, NotificationKey, Part};

/// The key every check uses.
pub const KEY: [u8; 32] = [
    0x5e, 0x11, 0x0a, 0x42, 0x9c, 0x03, 0x77, 0xd1, 0x2b, 0x80, 0xfe, 0x65, 0x19, 0xc4, 0x3a, 0x07,
    0xe2, 0x58, 0x91, 0x6f, 0x0d, 0xb3, 0x44, 0x2e, 0x7a, 0xcd, 0x16, 0x99, 0x50, 0x8b, 0xf4, 0x21,
];

/// Reads `data` as a mode byte and the mode's input:
/// - 0: raw IV, tag and body split by two length bytes;
/// - 1: a plaintext, sealed with [`KEY`], that must decrypt to itself and
///   stop decrypting when any byte is changed (an empty one has no body
///   and is refused as such);
/// - 2: a decrypted notification to parse.
pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let key = NotificationKey::from_bytes(KEY);
    match mode % 3 {
        0 => {
            let (iv, tag, body) = split3(rest);
            let iv = (iv.first() != Some(&0xff)).then_some(iv);
            let tag = (tag.first() != Some(&0xff)).then_some(tag);
            match key.decrypt(iv, tag, body) {
                Ok(plain) => parse(plain.as_bytes()),
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        1 => {
            let iv: [u8; 12] = std::array::from_fn(|i| rest.get(i).copied().unwrap_or(i as u8));
            let sealed = key.encrypt_with_iv(rest, iv);
            if rest.is_empty() {
                // No ciphertext at all: refused as an absent body.
                let err = key
                    .decrypt(Some(sealed.iv.as_bytes()), Some(sealed.tag.as_bytes()), b"")
                    .expect_err("an empty body is refused");
                assert_eq!(err, DecryptError::Missing { part: Part::Body });
                return;
            }
            let plain = key
                .decrypt(
                    Some(sealed.iv.as_bytes()),
                    Some(sealed.tag.as_bytes()),
                    sealed.body.as_bytes(),
                )
                .expect("what was sealed opens");
            assert_eq!(plain.as_bytes(), rest);
            parse(plain.as_bytes());
            // Change one hex digit of the body or the tag: never accepted.
            let mut body = sealed.body.into_bytes();
            let mut tag = sealed.tag.into_bytes();
            let at = rest.len().wrapping_mul(31);
            let target = if body.is_empty() || at % 2 == 0 {
                &mut tag
            } else {
                &mut body
            };
            let i = at % target.len();
            target[i] = if target[i] == b'0' { b'1' } else { b'0' };
            let err = key
                .decrypt(Some(sealed.iv.as_bytes()), Some(&tag), &body)
                .expect_err("a changed message is refused");
            assert_eq!(err, DecryptError::Authentication);
        }
        _ => parse(rest),
    }
}

/// Parses, then uses everything a handler would: no panic, no card data in
/// `Debug`.
pub fn parse(bytes: &[u8]) {
    match Notification::from_json(bytes) {
        Ok(n) => {
            let shown = format!("{n:?}");
            if let Some(p) = n.payment() {
                let _ = (p.is_approved(), p.result_class(), n.billpro_acts_on());
                if let Some(card) = &p.card {
                    for secret in [&card.holder, &card.bin, &card.last4_digits] {
                        // Long enough not to occur by chance, and sent only
                        // inside `card` (an unknown key elsewhere holding
                        // the same text is shown, as unknown keys are).
                        let sent_once = |s: &&str| {
                            let text = String::from_utf8_lossy(bytes);
                            s.len() >= 24 && text.matches(*s).count() == 1
                        };
                        if let Some(s) = secret.as_deref().filter(sent_once) {
                            assert!(!shown.contains(s), "card data in Debug");
                        }
                    }
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn split3(data: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let (a, rest) = take(data);
    let (b, rest) = take(rest);
    (a, b, rest)
}

fn take(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&n, rest)) => rest.split_at(usize::from(n).min(rest.len())),
        None => (&[], &[]),
    }
}
