//! Page schemes for tests that build a [`Paginator`] by hand: the three
//! envelopes billkit's APIs use, chosen by the [`PageStyle`] given
//! (`PageNumber`: `?page=N` over a bare array; `PageNumberSized`:
//! `?page=N&per_page=M` over `{data, meta}`; `OffsetLimit`: `offset`/`limit`
//! over `{items}`).

#![allow(dead_code)]

use billkit::http::{Cursor, PageParts, PageScheme, PageStyle, Paginator, Request, Transport};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A paginator for `request` paged as `style` says.
pub fn paginator<T, R>(transport: Transport, request: Request<R>, style: PageStyle) -> Paginator<T>
where
    T: DeserializeOwned + Send + 'static,
{
    match style {
        PageStyle::PageNumberSized { .. } => Paginator::new(transport, request, DataMeta(style)),
        PageStyle::OffsetLimit { .. } => Paginator::new(transport, request, Items(style)),
        _ => Paginator::new(transport, request, Bare(style)),
    }
}

/// `?page=N` over a bare array.
#[derive(Debug, Clone, Copy)]
pub struct Bare(pub PageStyle);

impl PageScheme for Bare {
    type Body<T: DeserializeOwned> = Vec<T>;
    const ITEMS: Option<&'static str> = None;
    fn style(&self) -> PageStyle {
        self.0
    }
    fn set_query(request: &mut Request<()>, cursor: Cursor, _: PageStyle) {
        if let Cursor::Page(n) = cursor {
            request.set_query("page", n);
        }
    }
}

/// `?page=N&per_page=M` over `{data, meta: {current_page, last_page, total}}`.
#[derive(Debug, Clone, Copy)]
pub struct DataMeta(pub PageStyle);

#[derive(Deserialize)]
pub struct DataMetaBody<T> {
    data: Vec<T>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default, deserialize_with = "number")]
    current_page: Option<u64>,
    #[serde(default, deserialize_with = "number")]
    last_page: Option<u64>,
    #[serde(default, deserialize_with = "number")]
    total: Option<u64>,
}

/// A count sent as a number or as a number in a string.
fn number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

impl<T> From<DataMetaBody<T>> for PageParts<T> {
    fn from(b: DataMetaBody<T>) -> Self {
        let parts = PageParts::new(b.data);
        match b.meta {
            Some(m) => parts
                .current_page(m.current_page)
                .last_page(m.last_page)
                .total(m.total),
            None => parts,
        }
    }
}

impl PageScheme for DataMeta {
    type Body<T: DeserializeOwned> = DataMetaBody<T>;
    const ITEMS: Option<&'static str> = Some("data");
    fn style(&self) -> PageStyle {
        self.0
    }
    fn set_query(request: &mut Request<()>, cursor: Cursor, style: PageStyle) {
        if let Cursor::Page(n) = cursor {
            request.set_query("page", n);
        }
        if let PageStyle::PageNumberSized { per_page: Some(n) } = style {
            request.set_query("per_page", n);
        }
    }
}

/// `offset`/`limit` over `{items}`.
#[derive(Debug, Clone, Copy)]
pub struct Items(pub PageStyle);

#[derive(Deserialize)]
pub struct ItemsBody<T> {
    items: Vec<T>,
}

impl<T> From<ItemsBody<T>> for PageParts<T> {
    fn from(b: ItemsBody<T>) -> Self {
        PageParts::new(b.items)
    }
}

impl PageScheme for Items {
    type Body<T: DeserializeOwned> = ItemsBody<T>;
    const ITEMS: Option<&'static str> = Some("items");
    fn style(&self) -> PageStyle {
        self.0
    }
    fn set_query(request: &mut Request<()>, cursor: Cursor, style: PageStyle) {
        if let (Cursor::Offset(o), PageStyle::OffsetLimit { limit, .. }) = (cursor, style) {
            request.set_query("offset", o);
            request.set_query("limit", limit);
        }
    }
}
