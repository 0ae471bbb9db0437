//! What every Billmora resource shares: the `{"data": ...}` wrapper of
//! single records, the answer to a delete, and the sends built on them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::http::{Request, Transport};

/// Billmora's wrapper around single resources.
#[derive(Deserialize)]
pub(super) struct Data<T> {
    data: T,
}

/// What a delete answers: `{"message": "Invoice deleted successfully."}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Deleted {
    /// The server's confirmation.
    pub message: String,
}

/// Sends a request whose answer is `{"data": T}` and unwraps it.
pub(super) async fn data<T: DeserializeOwned>(
    transport: &Transport,
    request: Request<Data<T>>,
) -> Result<T> {
    transport.execute(request).await.map(|d| d.data)
}

/// Sends a create whose `key` is a unique column: the server refuses a
/// second record with it (422 "has already been taken", or a 500 from
/// the database's unique index in a race), so after an unknown outcome
/// the record is looked up by `lookup` and, if absent, the create is
/// sent again; a refusal as taken then returns the record.
pub(super) async fn create_unique<T, F, Fut>(
    transport: &Transport,
    request: Request<Data<T>>,
    key: crate::LookupKey,
    mut lookup: F,
) -> Result<T>
where
    T: DeserializeOwned,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    let found = transport
        .execute_create(
            request,
            key,
            crate::http::Uniqueness::Enforced(is_taken),
            || {
                let fut = lookup();
                async move { fut.await.map(|o| o.map(|data| Data { data })) }
            },
        )
        .await?;
    Ok(found.data)
}

/// A Laravel `unique` rule's refusal: 422 with "has already been taken".
fn is_taken(err: &Error) -> bool {
    err.is_duplicate()
}
