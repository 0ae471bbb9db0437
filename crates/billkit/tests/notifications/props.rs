//! Property tests over (headers, body): no panic, one typed answer, and a
//! heap peak bounded by the input's size (measured per thread by a
//! counting allocator), for random bytes, near-valid hex, sealed random
//! plaintexts and payload-shaped JSON.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use billkit::billpro::notifications::{DecryptError, MAX_BODY_HEX, NotificationKey};
use proptest::prelude::*;

use crate::oracle;

struct Counting;

thread_local! {
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    let _ = CURRENT.try_with(|c| {
        let now = c.get().saturating_add_signed(delta);
        c.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        note(-(layout.size() as isize));
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The most `f` held on the heap at once, above what was held before.
fn peak_of(f: impl FnOnce()) -> usize {
    let before = CURRENT.with(Cell::get);
    PEAK.with(|p| p.set(before));
    f();
    PEAK.with(Cell::get) - before
}

/// Room for the decrypted copy, the parsed members' exact text (each
/// level copies its object once) and the typed fields: a few times the
/// input, never more.
fn bound(input: usize) -> usize {
    8 * input + 64 * 1024
}

fn hexish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(b"0123456789abcdefABCDEF".to_vec()),
            1 => any::<u8>(),
        ],
        0..80,
    )
}

fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?".prop_map(|s| s),
        "[ -~]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just(r#""000.000.000""#.to_owned()),
        Just(r#""800.100.151""#.to_owned()),
        Just(r#""2015-12-07 16:46:07+0000""#.to_owned()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|kv| object(&kv)),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "type",
            "action",
            "payload",
            "paymentType",
            "amount",
            "currency",
            "result",
            "code",
            "description",
            "card",
            "holder",
            "bin",
            "last4Digits",
            "customer",
            "customParameters",
            "timestamp",
            "merchantTransactionId",
            "expiryYear",
        ])
        .prop_map(str::to_owned),
        "[a-z]{1,6}",
    ]
}

fn object(kv: &[(String, String)]) -> String {
    let members: Vec<String> = kv
        .iter()
        .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// A notification-shaped document: an envelope with a payload object of
/// known and unknown keys holding any JSON.
fn notification_json() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["PAYMENT", "REGISTRATION", "RISK", "OTHER"]),
        prop::collection::vec((key(), json_value()), 0..10),
    )
        .prop_map(|(t, payload)| {
            format!(
                r#"{{"type":"{t}","action":"CREATED","payload":{}}}"#,
                object(&payload)
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let peak = peak_of(|| oracle::check(&data));
        prop_assert!(peak <= bound(data.len()), "{peak} bytes for {} input bytes", data.len());
    }

    #[test]
    fn near_valid_hex_headers_and_bodies_get_one_typed_answer(
        iv in hexish(), tag in hexish(), body in hexish(), drop_iv: bool,
    ) {
        let key = NotificationKey::from_bytes(oracle::KEY);
        let iv = (!drop_iv).then_some(iv.as_slice());
        let peak = peak_of(|| {
            let r = key.decrypt(iv, Some(&tag), &body);
            // A forgery cannot authenticate; everything else is typed.
            assert!(r.is_err());
        });
        prop_assert!(peak <= bound(body.len()));
    }

    #[test]
    fn sealed_notifications_open_exactly_and_parse_without_panic(json in notification_json()) {
        let mut data = vec![1u8];
        data.extend_from_slice(json.as_bytes());
        let peak = peak_of(|| oracle::check(&data));
        prop_assert!(peak <= bound(json.len() * 2), "{peak} for {}", json.len());
        let mut data = vec![2u8];
        data.extend_from_slice(json.as_bytes());
        oracle::check(&data);
    }
}

/// Found by the fuzz target: an empty plaintext seals to an empty body,
/// which is refused as missing (never handed back as an empty plaintext).
#[test]
fn an_empty_sealed_plaintext_is_a_missing_body() {
    oracle::check(&[1]);
}

#[test]
fn a_body_over_the_bound_is_refused_without_allocating_for_it() {
    let key = NotificationKey::from_bytes(oracle::KEY);
    let body = vec![b'A'; MAX_BODY_HEX + 2];
    let iv = "00".repeat(12);
    let tag = "00".repeat(16);
    let peak = peak_of(|| {
        let err = key
            .decrypt(Some(iv.as_bytes()), Some(tag.as_bytes()), &body)
            .unwrap_err();
        assert_eq!(
            err,
            DecryptError::TooLarge {
                limit: MAX_BODY_HEX
            }
        );
    });
    assert_eq!(peak, 0);
    // At the bound it is decoded (and refused as a forgery).
    let body = vec![b'A'; MAX_BODY_HEX];
    let peak = peak_of(|| {
        let err = key
            .decrypt(Some(iv.as_bytes()), Some(tag.as_bytes()), &body)
            .unwrap_err();
        assert_eq!(err, DecryptError::Authentication);
    });
    // The counter counts: the decoded ciphertext is there, and no more.
    assert!(
        (MAX_BODY_HEX / 2..=MAX_BODY_HEX / 2 + 4096).contains(&peak),
        "{peak}"
    );
}
