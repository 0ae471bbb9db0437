//! Contract tests of the shared HTTP core against wiremock servers.

#[path = "../support/schemes.rs"]
mod schemes;

mod api_errors;
mod auth_and_headers;
mod checked_create;
mod errors;
mod hostile;
mod live_resume;
mod paginate;
mod rate_limit;
mod rate_limit_adopt;
mod resend_refused;
mod resume;
mod retry;
mod sandbox;
mod timeouts;

use billkit::http::{Config, Credentials, ManualClock, RetryPolicy, Transport};
use wiremock::MockServer;

/// A transport against `server` with a bearer token, manual time and the
/// given retry policy.
pub fn transport(server: &MockServer, clock: &ManualClock, retry: RetryPolicy) -> Transport {
    Transport::new(config(server, clock).retry(retry)).expect("valid config")
}

pub fn config(server: &MockServer, clock: &ManualClock) -> Config {
    Config::new()
        .base_url(format!("{}/api/v1", server.uri()))
        .expect("valid URL")
        .credentials(Credentials::bearer("secret-token-123"))
        .manual_time(clock)
}

pub fn json(body: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
}

/// A loopback port with nothing listening on it.
pub async fn refused_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Futures and streams can move across threads (`tokio::spawn`).
#[allow(dead_code)]
fn futures_and_streams_are_send(t: Transport) {
    fn send<T: Send>(_: T) {}
    send(t.execute(billkit::http::Request::<serde_json::Value>::get("/x")));
    let list: billkit::http::Paginator<serde_json::Value> = crate::schemes::paginator(
        t.clone(),
        billkit::http::Request::<()>::get("/x"),
        billkit::http::PageStyle::PageNumber { page_size: 25 },
    );
    send(list.clone().stream());
    send(list.clone().pages());
    send(list.collect_all());
    send(t);
}

/// `billkit::Stream` is the trait the walks implement, so a caller can name
/// it without depending on `futures` themselves.
#[tokio::test]
async fn stream_trait_is_reexported() {
    use billkit::TryStreamExt;
    async fn total<S: billkit::Stream<Item = billkit::Result<u32>> + Unpin>(mut s: S) -> u32 {
        let mut sum = 0;
        while let Some(n) = s.try_next().await.expect("no error") {
            sum += n;
        }
        sum
    }
    let items = futures_util::stream::iter([Ok(1), Ok(2), Ok(39)]);
    assert_eq!(total(items).await, 42);
}
