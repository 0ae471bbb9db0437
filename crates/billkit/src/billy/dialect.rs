//! Billy's rules for the shared core: how it answers and how it pages.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::error::{ApiError, ApiErrorBody, unescape_html};
use crate::http::{Cursor, Dialect, End, PageParts, PageScheme, PageStyle, Request};

/// Billy's rules ([`Dialect`]).
///
/// - Errors: JSON `{"error_class": ..., "error_message": ...}`
///   ([`ApiErrorBody::Classed`]), and the text or HTML page of a form
///   validation error, "There are errors in following parameters: ..."
///   ([`ApiErrorBody::FormErrors`], the fields parsed out).
/// - Duplicate: a 409, or `DuplicateExternalIDError`.
/// - Unauthorized: a 401, and a 403, which Pyramid answers for a missing,
///   wrong or foreign key ("Unauthorized: ... failed permission check";
///   Billy never answers 401) — except the view checks "Can only ... your
///   own customer/plan", which refuse a record of another company named in
///   the request under a valid key.
/// - Billy has no rate limiting (1.1.3): nothing proves a refusal came
///   before a create was carried out.
///
/// ```
/// use billkit::{ApiError, Error};
/// use billkit::billy::BillyDialect;
/// use billkit::http::{Method, StatusCode};
/// let err: Error = ApiError::from_response(
///     Method::POST, "/v1/customers", StatusCode::CONFLICT, None,
///     br#"{"error_class": "DuplicateExternalIDError", "error_message": "dup"}"#,
///     None, 1,
/// )
/// .in_dialect(BillyDialect)
/// .into();
/// assert!(err.is_duplicate());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BillyDialect;

/// How Billy's view checks that refuse another company's customer or plan
/// begin ("Can only subscribe to your own customer", …).
const FOREIGN_RECORD: &str = "Can only ";

impl Dialect for BillyDialect {
    fn name(&self) -> &'static str {
        "Billy"
    }

    fn parse_error_body(&self, text: &str) -> Option<ApiErrorBody> {
        if text.starts_with('{') {
            #[derive(Deserialize)]
            struct Classed {
                error_class: String,
                error_message: String,
            }
            let c: Classed = serde_json::from_str(text).ok()?;
            return Some(ApiErrorBody::Classed {
                error_class: c.error_class,
                error_message: c.error_message,
            });
        }
        parse_form_errors(text).map(|fields| ApiErrorBody::FormErrors {
            message: FORM_ERRORS_MARK.to_owned(),
            fields,
        })
    }

    fn is_duplicate(&self, err: &ApiError) -> bool {
        err.status() == StatusCode::CONFLICT
            || matches!(err.body(), ApiErrorBody::Classed { error_class, .. }
                if error_class.eq_ignore_ascii_case("DuplicateExternalIDError"))
    }

    fn is_unauthorized(&self, err: &ApiError) -> bool {
        match err.status().as_u16() {
            401 => true,
            403 => !err.raw_body().contains(FOREIGN_RECORD),
            _ => false,
        }
    }
}

/// Billy's lists: `offset`/`limit` over an `{items, limit, offset}`
/// envelope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BillyPages {
    pub(crate) limit: u32,
    pub(crate) end: End,
}

#[derive(Deserialize)]
pub(crate) struct ItemsPage<T> {
    items: Vec<T>,
}

impl<T> From<ItemsPage<T>> for PageParts<T> {
    fn from(page: ItemsPage<T>) -> Self {
        PageParts::new(page.items)
    }
}

impl PageScheme for BillyPages {
    type Body<T: serde::de::DeserializeOwned> = ItemsPage<T>;
    const ITEMS: Option<&'static str> = Some("items");

    fn style(&self) -> PageStyle {
        PageStyle::OffsetLimit {
            limit: self.limit,
            end: self.end,
        }
    }

    fn set_query(request: &mut Request<()>, cursor: Cursor, style: PageStyle) {
        if let (Cursor::Offset(offset), PageStyle::OffsetLimit { limit, .. }) = (cursor, style) {
            request.set_query("offset", offset);
            request.set_query("limit", limit);
        }
    }
}

pub(crate) const FORM_ERRORS_MARK: &str = "There are errors in following parameters";

/// Parses Billy's validation page: `There are errors in following
/// parameters: <ul><li>amount:<ul><li>This field is required.</li></ul></li></ul>`
/// (possibly inside a whole HTML document).
fn parse_form_errors(text: &str) -> Option<BTreeMap<String, Vec<String>>> {
    let start = text.find(FORM_ERRORS_MARK)? + FORM_ERRORS_MARK.len();
    // Billy's HTML page escapes the list it embeds (`&lt;ul&gt;...`); the
    // text page does not, though a message in it may hold an escaped `<`:
    // only the list's first tag tells them apart.
    let unescaped;
    let list = text[start..].trim_start_matches(|c: char| c == ':' || c.is_whitespace());
    let rest = if list.starts_with("&lt;") {
        unescaped = unescape_html(&text[start..]);
        unescaped.as_str()
    } else {
        &text[start..]
    };
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut depth = 0usize;
    let mut field: Option<String> = None;
    let mut i = 0;
    while i < rest.len() {
        if rest[i..].starts_with('<') {
            // `<` is one byte, so `i + 1` is a character boundary. A page cut
            // inside a tag (no `>`) leaves the rest of the text as the tag:
            // never slice by a guessed offset, which may fall before the
            // start or inside a multi-byte character.
            let (tag, end) = match rest[i + 1..].find('>') {
                Some(e) => (&rest[i + 1..i + 1 + e], i + 1 + e + 1),
                None => (&rest[i + 1..], rest.len()),
            };
            let tag = tag.trim().to_ascii_lowercase();
            if tag == "ul" || tag.starts_with("ul ") {
                depth += 1;
            } else if tag == "/ul" {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            i = end;
            continue;
        }
        let end = rest[i..].find('<').map(|e| i + e).unwrap_or(rest.len());
        let chunk = unescape_html(rest[i..end].trim());
        if !chunk.is_empty() {
            match depth {
                1 => {
                    let name = chunk.trim_end_matches(':').trim().to_owned();
                    fields.entry(name.clone()).or_default();
                    field = Some(name);
                }
                d if d >= 2 => {
                    if let Some(f) = &field {
                        fields.entry(f.clone()).or_default().push(chunk);
                    }
                }
                _ => {}
            }
        }
        i = end;
    }
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn parse(text: &str) -> ApiErrorBody {
        ApiErrorBody::parse_in(&BillyDialect, text)
    }

    fn form(fields: BTreeMap<String, Vec<String>>) -> ApiErrorBody {
        ApiErrorBody::FormErrors {
            message: FORM_ERRORS_MARK.into(),
            fields,
        }
    }

    #[test]
    fn reads_classed_json_and_leaves_other_json_generic() {
        assert_eq!(
            parse(r#"{"error_class": "DuplicateExternalIDError", "error_message": "dup"}"#),
            ApiErrorBody::Classed {
                error_class: "DuplicateExternalIDError".into(),
                error_message: "dup".into()
            }
        );
        assert_eq!(
            parse(r#"{"error": "x"}"#),
            ApiErrorBody::Error { error: "x".into() }
        );
        assert_eq!(
            parse("No such plan PLxxx"),
            ApiErrorBody::Text("No such plan PLxxx".into())
        );
    }

    #[test]
    fn parses_billy_form_errors_in_text_and_html() {
        let text = "There are errors in following parameters: <ul><li>amount:<ul><li>This field is required.</li></ul></li><li>plan_type:<ul><li>Not a valid choice</li><li>Second &amp; last</li></ul></li></ul>";
        let want = fields(&[
            ("amount", &["This field is required."]),
            ("plan_type", &["Not a valid choice", "Second & last"]),
        ]);
        assert_eq!(parse(text), form(want.clone()));
        let html = format!(
            "<html>\n <head>\n  <title>400 Bad Request</title>\n </head>\n <body>\n  <h1>400 Bad Request</h1>\n  The server could not comply with the request since it is either malformed or otherwise incorrect.<br/><br/>\n{text}\n\n\n </body>\n</html>"
        );
        assert_eq!(parse(&html), form(want.clone()));
        // The HTML page Billy really sends escapes the embedded list.
        let escaped = html.replace(
            text,
            &text
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace("&amp;", "&amp;amp;"),
        );
        assert!(escaped.contains("&lt;ul&gt;"));
        assert_eq!(parse(&escaped), form(want));
    }
}
