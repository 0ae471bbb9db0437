//! Credentials, kept in `secrecy` types and redacted in `Debug`.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{Error, Result};

/// How requests are authorised.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// HTTP basic with the key as user name and an empty password.
    BasicKey(SecretString),
}

impl Credentials {
    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials::Bearer(SecretString::from(token.into()))
    }

    /// An API key sent as the basic-auth user name with an empty password.
    pub fn basic_key(key: impl Into<String>) -> Self {
        Credentials::BasicKey(SecretString::from(key.into()))
    }

    /// Refuses a credential that could not be sent as it is; the message
    /// never shows the secret.
    pub(crate) fn check(&self) -> Result<()> {
        let (what, secret) = match self {
            Credentials::Bearer(s) => ("API token", s.expose_secret()),
            Credentials::BasicKey(s) => ("API key", s.expose_secret()),
        };
        if secret.trim().is_empty() {
            return Err(Error::Config(format!("the {what} is empty")));
        }
        if secret.trim() != secret {
            return Err(Error::Config(format!(
                "the {what} ({} characters) starts or ends with white space or a line break, often a trailing newline from a file or environment variable; trim it",
                secret.chars().count()
            )));
        }
        if let Some(pos) = secret.chars().position(|c| c.is_control() || !c.is_ascii()) {
            return Err(Error::Config(format!(
                "the {what} holds a control or non-ASCII character at position {}; an HTTP header cannot carry it: check how it was copied",
                pos + 1
            )));
        }
        if let Credentials::BasicKey(_) = self
            && secret.contains(':')
        {
            return Err(Error::Config(
                "the API key holds `:`, which basic authentication cannot carry in a user name"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The secret's bytes, only to derive a keyed fingerprint from them.
    #[cfg(feature = "redis")]
    pub(crate) fn secret_bytes(&self) -> &[u8] {
        match self {
            Credentials::Bearer(s) | Credentials::BasicKey(s) => s.expose_secret().as_bytes(),
        }
    }

    pub(crate) fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        // reqwest marks both headers sensitive, so they never show in its Debug.
        match self {
            Credentials::Bearer(t) => req.bearer_auth(t.expose_secret()),
            Credentials::BasicKey(k) => req.basic_auth(k.expose_secret(), Some("")),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer([REDACTED])"),
            Credentials::BasicKey(_) => f.write_str("BasicKey([REDACTED])"),
        }
    }
}

/// Whether `url`'s host is loopback (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Refuses to send a credential in clear text to a host that is not loopback.
pub(crate) fn check_transport_security(url: &Url, credentials: Option<&Credentials>) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if credentials.is_none() || is_loopback(url) => Ok(()),
        "http" => Err(Error::Config(format!(
            "refusing to send credentials over plain http to {}; use https (plain http is allowed only for loopback hosts)",
            url.host_str().unwrap_or("?")
        ))),
        other => Err(Error::Config(format!(
            "unsupported URL scheme `{other}` in base URL; use https"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = Credentials::bearer("abcd1234secret");
        assert_eq!(format!("{c:?}"), "Bearer([REDACTED])");
        let c = Credentials::basic_key("5MyxREWaEymNWunpGseySVGBZkTWDW57FUXsyTo2WtGC");
        assert!(!format!("{c:?}").contains("5Myx"));
    }

    #[test]
    fn unsendable_credentials_are_a_config_error_that_hides_them() {
        for bad in [
            "s3cr3t-token\n",
            " s3cr3t-token",
            "s3cr3t\r\ntoken",
            "s3cr3t\u{7f}",
            "s3cr3té",
            "",
        ] {
            let e = Credentials::bearer(bad).check().unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{bad:?}: {e}");
            assert!(!e.to_string().contains("s3cr3t"), "{e}");
        }
        let e = Credentials::bearer("s3cr3t-token\n").check().unwrap_err();
        assert!(e.to_string().contains("trailing newline"), "{e}");
        assert!(Credentials::basic_key("a:b").check().is_err());
        assert!(Credentials::bearer("abc.DEF-123_~+/=").check().is_ok());
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let cred = Credentials::bearer("t");
        for ok in [
            "https://app.bill.pro/api/v1",
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://localhost:3000",
            "http://[::1]:9000",
        ] {
            assert!(
                check_transport_security(&Url::parse(ok).unwrap(), Some(&cred)).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://app.bill.pro/api/v1",
            "http://10.0.0.1",
            "http://localhost.evil.com",
        ] {
            let err = check_transport_security(&Url::parse(bad).unwrap(), Some(&cred)).unwrap_err();
            assert!(err.to_string().contains("plain http"), "{bad}: {err}");
        }
        assert!(check_transport_security(&Url::parse("http://example.com").unwrap(), None).is_ok());
        assert!(check_transport_security(&Url::parse("ftp://example.com").unwrap(), None).is_err());
    }
}
