//! Where the three APIs' credentials come from: the environment, or a file
//! named with `--credentials`. Never the command line, where `ps` and the
//! shell's history would show them; never printed, not even in an error.
//!
//! The file holds `NAME=VALUE` lines with the environment's names (blank
//! lines and lines starting with `#` are skipped, a value may be quoted
//! with `"` or `'`). Its values win over the environment's; what it lacks
//! is read from the environment. On Unix a file that its group or others
//! may read is refused: `chmod 600` it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use billkit::SecretString;

use crate::Error;

/// The names read, from the environment or the file.
pub(crate) const BILLPRO_TOKEN: &str = "BILLPRO_API_TOKEN";
pub(crate) const BILLPRO_URL: &str = "BILLPRO_BASE_URL";
pub(crate) const BILLPRO_PROFILE: &str = "BILLPRO_PROFILE_ID";
pub(crate) const BILLMORA_TOKEN: &str = "BILLMORA_API_TOKEN";
pub(crate) const BILLMORA_URL: &str = "BILLMORA_BASE_URL";
pub(crate) const BILLY_KEY: &str = "BILLY_API_KEY";
pub(crate) const BILLY_URL: &str = "BILLY_BASE_URL";

const NAMES: [&str; 7] = [
    BILLPRO_TOKEN,
    BILLPRO_URL,
    BILLPRO_PROFILE,
    BILLMORA_TOKEN,
    BILLMORA_URL,
    BILLY_KEY,
    BILLY_URL,
];

/// The text `--help` shows for `--credentials`.
pub(crate) const HELP: &str = "A file of NAME=VALUE lines holding the credentials \
(BILLPRO_API_TOKEN, BILLPRO_BASE_URL, BILLPRO_PROFILE_ID, BILLMORA_API_TOKEN, \
BILLMORA_BASE_URL, BILLY_API_KEY, BILLY_BASE_URL); its values win over the \
environment's. Refused when its group or others may read it (chmod 600). \
Without it, the environment alone is read.";

/// The credentials found, by name. Values are kept as secrets: `Debug`
/// shows none of them.
pub(crate) struct Credentials {
    values: BTreeMap<&'static str, SecretString>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Credentials {
    /// Reads the environment, then `file` over it.
    pub(crate) fn load(file: Option<&Path>) -> Result<Credentials, Error> {
        let mut values = BTreeMap::new();
        for name in NAMES {
            if let Some(v) = std::env::var_os(name) {
                let Some(v) = v.to_str() else {
                    return Err(format!("{name} in the environment is not valid UTF-8").into());
                };
                if !v.trim().is_empty() {
                    values.insert(name, SecretString::from(v.trim().to_owned()));
                }
            }
        }
        if let Some(path) = file {
            for (name, value) in read_file(path)? {
                values.insert(name, value);
            }
        }
        Ok(Credentials { values })
    }

    /// Whether `name` is set.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    fn get(&self, name: &str) -> Option<&SecretString> {
        self.values.get(name)
    }

    fn required(&self, name: &'static str, api: &str) -> Result<&SecretString, Error> {
        self.get(name).ok_or_else(|| {
            format!("{api} needs {name}: set it in the environment or in the --credentials file")
                .into()
        })
    }

    fn url(&self, name: &'static str, api: &str) -> Result<String, Error> {
        use billkit::ExposeSecret;
        Ok(self.required(name, api)?.expose_secret().to_owned())
    }

    /// A BillPro client.
    pub(crate) fn billpro(&self) -> Result<billkit::billpro::Client, Error> {
        use billkit::ExposeSecret;
        let mut builder = billkit::billpro::Client::builder()
            .token(self.required(BILLPRO_TOKEN, "BillPro")?.clone())
            .base_url(self.url(BILLPRO_URL, "BillPro")?);
        if let Some(p) = self.get(BILLPRO_PROFILE) {
            let id = p.expose_secret().parse::<u64>().map_err(|_| {
                format!("{BILLPRO_PROFILE} must be a whole number (the merchant profile id)")
            })?;
            builder = builder.profile_id(id);
        }
        Ok(builder.build()?)
    }

    /// A Billmora client.
    pub(crate) fn billmora(&self) -> Result<billkit::billmora::Client, Error> {
        Ok(billkit::billmora::Client::builder()
            .token(self.required(BILLMORA_TOKEN, "Billmora")?.clone())
            .base_url(self.url(BILLMORA_URL, "Billmora")?)
            .build()?)
    }

    /// A Billy client.
    pub(crate) fn billy(&self) -> Result<billkit::billy::Client, Error> {
        Ok(billkit::billy::Client::builder()
            .api_key(self.required(BILLY_KEY, "Billy")?.clone())
            .base_url(self.url(BILLY_URL, "Billy")?)
            .build()?)
    }
}

/// The `--credentials` argument.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct CredentialsArg {
    #[arg(long = "credentials", value_name = "FILE", help = HELP)]
    pub(crate) file: Option<PathBuf>,
}

impl CredentialsArg {
    /// The credentials, from the file and the environment.
    pub(crate) fn load(&self) -> Result<Credentials, Error> {
        Credentials::load(self.file.as_deref())
    }
}

fn read_file(path: &Path) -> Result<Vec<(&'static str, SecretString)>, Error> {
    check_private(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the credentials file {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        // The line holds a secret: an error names the line and the key only.
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("{} line {}: expected NAME=VALUE", path.display(), n + 1).into());
        };
        let key = key.trim();
        let Some(name) = NAMES.iter().copied().find(|k| *k == key) else {
            return Err(format!(
                "{} line {}: unknown name `{key}` (known: {})",
                path.display(),
                n + 1,
                NAMES.join(", ")
            )
            .into());
        };
        let value = unquote(value.trim());
        if !value.is_empty() {
            out.push((name, SecretString::from(value.to_owned())));
        }
    }
    Ok(out)
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

#[cfg(unix)]
pub(crate) fn check_private(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the credentials file {}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "the credentials file {} may be read by other users: run `chmod 600 {}` first",
            path.display(),
            path.display()
        )
        .into());
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_private(_path: &Path) -> Result<(), Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_taken_off_values() {
        assert_eq!(unquote("\"a b\""), "a b");
        assert_eq!(unquote("'x'"), "x");
        assert_eq!(unquote("\"x"), "\"x");
    }
}
