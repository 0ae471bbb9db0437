//! One rule on every builder (issue 17, item 6): a shared limit shares the
//! caller's own quota, so each API's builder refuses one without it, the
//! same way and at build time. Nothing here reaches Redis: a
//! `SharedRateLimit` connects only on the first request.

use billkit::Error;
use billkit::http::{RateLimit, SharedRateLimit};

fn shared() -> SharedRateLimit {
    SharedRateLimit::redis("redis://127.0.0.1:1").unwrap()
}

fn quota() -> Option<RateLimit> {
    Some(RateLimit::per_minute(100))
}

fn assert_asks_for_a_quota<C: std::fmt::Debug>(built: billkit::Result<C>) {
    let err = built.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("rate_limit(Some(...))"), "{text}");
}

#[test]
fn billmora_needs_a_quota_of_its_own_though_it_has_a_default() {
    let builder = || {
        billkit::billmora::Client::builder()
            .base_url("https://billing.example.com")
            .token("1|TzXyexampletoken")
            .shared_rate_limit(shared())
    };
    assert_asks_for_a_quota(builder().build());
    // Turning the limit off is no quota to share either.
    assert_asks_for_a_quota(builder().rate_limit(None).build());
    builder().rate_limit(quota()).build().unwrap();
}

#[cfg(feature = "billpro")]
#[test]
fn billpro_needs_a_quota_of_its_own() {
    let builder = || {
        billkit::billpro::Client::builder()
            .token("billpro-token")
            .shared_rate_limit(shared())
    };
    assert_asks_for_a_quota(builder().build());
    builder().rate_limit(quota()).build().unwrap();
}

#[cfg(feature = "billy")]
#[test]
fn billy_needs_a_quota_of_its_own() {
    let builder = || {
        billkit::billy::Client::builder()
            .base_url("https://billy.example.com")
            .api_key("billy-key")
            .shared_rate_limit(shared())
    };
    assert_asks_for_a_quota(builder().build());
    builder().rate_limit(quota()).build().unwrap();
}
