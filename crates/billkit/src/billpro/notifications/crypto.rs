//! Decrypting (and, for tests, encrypting) a notification: AES-256-GCM with
//! the IV and tag in headers and the ciphertext as the hex body.

use std::fmt;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use secrecy::zeroize::{Zeroize, Zeroizing};

/// The header carrying the 12-byte initialisation vector, as hex.
pub const IV_HEADER: &str = "x-initialization-vector";
/// The header carrying the 16-byte authentication tag, as hex.
pub const TAG_HEADER: &str = "x-authentication-tag";
/// The longest body accepted, in hex characters (256 KiB of plaintext).
///
/// A payment notification is a few kilobytes; the bound keeps a hostile
/// sender from making the listener allocate without limit, since the body
/// is refused on its length alone, before anything is decoded.
pub const MAX_BODY_HEX: usize = 512 * 1024;

const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;

/// The listener's secret: the AES-256 key shared with the payment gateway.
///
/// Built from the 64 hex characters BillPro's customer service hands out
/// ([`NotificationKey::from_hex`], or `parse()`). `Debug` never shows it and
/// its bytes are wiped when it is dropped.
#[derive(Clone)]
pub struct NotificationKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for NotificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NotificationKey([REDACTED])")
    }
}

impl NotificationKey {
    /// Reads the 64-hex-character listener secret (either case; white
    /// space around it is ignored). Anything else is an error that says
    /// what is wrong without repeating the text.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let text = text.trim().as_bytes();
        if text.len() != KEY_LEN * 2 {
            return Err(KeyError::WrongLength { chars: text.len() });
        }
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        hex_into(text, bytes.as_mut_slice()).map_err(|at| KeyError::NotHex { at })?;
        Ok(NotificationKey { bytes })
    }

    /// A key from its 32 raw bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let key = NotificationKey {
            bytes: Zeroizing::new(bytes),
        };
        bytes.zeroize();
        key
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.bytes.as_ref().into())
    }

    /// Decrypts and authenticates one notification as a single step: from
    /// the two header values and the raw body to the plaintext, or one
    /// [`DecryptError`] saying which part is wrong. Nothing decrypted is
    /// handed back unless the tag proves it came from the key's holder.
    ///
    /// `iv` and `tag` are the raw values of `X-Initialization-Vector` and
    /// `X-Authentication-Tag` (`None` when absent); the body is the hex
    /// ciphertext, white space at its ends ignored.
    pub fn decrypt(
        &self,
        iv: Option<&[u8]>,
        tag: Option<&[u8]>,
        body: &[u8],
    ) -> Result<Plaintext, DecryptError> {
        let iv: [u8; IV_LEN] = fixed(Part::InitializationVector, iv)?;
        let tag: [u8; TAG_LEN] = fixed(Part::AuthenticationTag, tag)?;
        let body = body.trim_ascii();
        if body.is_empty() {
            return Err(DecryptError::Missing { part: Part::Body });
        }
        if body.len() > MAX_BODY_HEX {
            return Err(DecryptError::TooLarge {
                limit: MAX_BODY_HEX,
            });
        }
        if !body.len().is_multiple_of(2) {
            return Err(DecryptError::OddLength { part: Part::Body });
        }
        let mut buffer = Zeroizing::new(vec![0u8; body.len() / 2]);
        hex_into(body, &mut buffer).map_err(|at| DecryptError::NotHex {
            part: Part::Body,
            at,
        })?;
        match self.cipher().decrypt_in_place_detached(
            Nonce::from_slice(&iv),
            b"",
            &mut buffer,
            Tag::from_slice(&tag),
        ) {
            Ok(()) => Ok(Plaintext { bytes: buffer }),
            // `buffer` is wiped as it drops.
            Err(_) => Err(DecryptError::Authentication),
        }
    }

    /// [`decrypt`](Self::decrypt) with the two values read from a request's
    /// headers (`http::HeaderMap`, as axum and hyper hand it over). A header
    /// sent twice is refused: which copy the gateway meant is unknowable.
    pub fn decrypt_request(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<Plaintext, DecryptError> {
        let one = |name: &'static str, part: Part| {
            let mut values = headers.get_all(name).iter();
            match (values.next(), values.next()) {
                (Some(v), None) => Ok(Some(v.as_bytes())),
                (None, _) => Ok(None),
                (Some(_), Some(_)) => Err(DecryptError::Repeated { part }),
            }
        };
        let iv = one(IV_HEADER, Part::InitializationVector)?;
        let tag = one(TAG_HEADER, Part::AuthenticationTag)?;
        self.decrypt(iv, tag, body)
    }

    /// Encrypts `plaintext` the way the gateway does, with the given IV:
    /// what a test posts to its own listener. Never reuse an IV with one key
    /// outside tests ([`Encrypted::seal`] picks a random one).
    pub fn encrypt_with_iv(&self, plaintext: &[u8], iv: [u8; IV_LEN]) -> Encrypted {
        let mut buffer = plaintext.to_vec();
        // Only a plaintext beyond 64 GiB can fail, which a Vec cannot hold.
        let tag = self
            .cipher()
            .encrypt_in_place_detached(Nonce::from_slice(&iv), b"", &mut buffer)
            .map(|t| t.into())
            .unwrap_or([0; TAG_LEN]);
        let body = hex::encode_upper(&buffer);
        buffer.zeroize();
        Encrypted {
            iv: hex::encode_upper(iv),
            tag: hex::encode_upper::<[u8; TAG_LEN]>(tag),
            body,
        }
    }
}

impl std::str::FromStr for NotificationKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        NotificationKey::from_hex(s)
    }
}

/// A notification encrypted for the wire, for tests of a listener: the two
/// header values and the body, all upper-case hex as the gateway sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Encrypted {
    /// The `X-Initialization-Vector` value.
    pub iv: String,
    /// The `X-Authentication-Tag` value.
    pub tag: String,
    /// The request body.
    pub body: String,
}

impl Encrypted {
    /// Encrypts `plaintext` with `key` and a fresh random IV, for a test
    /// that posts notifications to its own handler.
    pub fn seal(key: &NotificationKey, plaintext: &[u8]) -> Encrypted {
        let mut iv = [0u8; IV_LEN];
        iv.iter_mut().for_each(|b| *b = fastrand::u8(..));
        key.encrypt_with_iv(plaintext, iv)
    }
}

/// Decrypted notification bytes (UTF-8 JSON when the sender is honest).
///
/// May hold card data, so `Debug` shows only the length and the bytes are
/// wiped when dropped. Read them with [`as_bytes`](Self::as_bytes) or turn
/// them into a typed [`Notification`](super::Notification) with
/// [`parse`](Self::parse).
pub struct Plaintext {
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext([REDACTED; {} bytes])", self.bytes.len())
    }
}

impl Plaintext {
    /// The decrypted bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Parses the bytes into a typed notification.
    pub fn parse(&self) -> Result<super::Notification, super::ParseError> {
        super::Notification::from_json(&self.bytes)
    }
}

/// Which part of a notification a [`DecryptError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Part {
    /// The `X-Initialization-Vector` header.
    InitializationVector,
    /// The `X-Authentication-Tag` header.
    AuthenticationTag,
    /// The request body.
    Body,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::InitializationVector => "X-Initialization-Vector header",
            Part::AuthenticationTag => "X-Authentication-Tag header",
            Part::Body => "body",
        })
    }
}

/// Why a notification could not be decrypted. Answer the sender with a 4xx
/// for any of them: a retry of the same bytes cannot succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// A header or the body is absent (or empty).
    #[error("notification: the {part} is missing")]
    Missing {
        /// The missing part.
        part: Part,
    },
    /// A header was sent more than once.
    #[error("notification: the {part} was sent more than once")]
    Repeated {
        /// The repeated header.
        part: Part,
    },
    /// A character that is not a hex digit, at byte `at`.
    #[error("notification: the {part} is not hex (byte {at})")]
    NotHex {
        /// The part.
        part: Part,
        /// The offset of the first bad byte.
        at: usize,
    },
    /// An odd number of hex digits.
    #[error("notification: the {part} has an odd number of hex digits")]
    OddLength {
        /// The part.
        part: Part,
    },
    /// A header of the wrong size.
    #[error("notification: the {part} holds {actual} bytes, not {expected}")]
    WrongLength {
        /// The header.
        part: Part,
        /// The size the scheme fixes.
        expected: usize,
        /// The size sent (hex digits / 2).
        actual: usize,
    },
    /// The body is longer than [`MAX_BODY_HEX`].
    #[error("notification: the body is longer than {limit} hex characters")]
    TooLarge {
        /// The bound.
        limit: usize,
    },
    /// The tag does not match: a wrong key, or a changed IV, tag or body.
    #[error("notification: authentication failed (wrong key, or the message was altered)")]
    Authentication,
}

/// Why a listener secret was refused. Never repeats the text given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not 64 characters.
    #[error("the notification key must be 64 hex characters, not {chars}")]
    WrongLength {
        /// How many characters were given (white space at the ends ignored).
        chars: usize,
    },
    /// A character that is not a hex digit.
    #[error("the notification key must be hex: character {at} is not")]
    NotHex {
        /// The offset of the first bad character.
        at: usize,
    },
}

/// A header's fixed-size value.
fn fixed<const N: usize>(part: Part, value: Option<&[u8]>) -> Result<[u8; N], DecryptError> {
    let text = value.map(<[u8]>::trim_ascii).unwrap_or_default();
    if text.is_empty() {
        return Err(DecryptError::Missing { part });
    }
    if !text.len().is_multiple_of(2) {
        return Err(DecryptError::OddLength { part });
    }
    if text.len() != N * 2 {
        return Err(DecryptError::WrongLength {
            part,
            expected: N,
            actual: text.len() / 2,
        });
    }
    let mut out = [0u8; N];
    hex_into(text, &mut out).map_err(|at| DecryptError::NotHex { part, at })?;
    Ok(out)
}

/// Strict hex (either case, nothing else) into `out`, whose length is
/// half of `text`'s; the error is the offset of the first bad byte.
fn hex_into(text: &[u8], out: &mut [u8]) -> Result<(), usize> {
    match hex::decode_to_slice(text, out) {
        Ok(()) => Ok(()),
        Err(hex::FromHexError::InvalidHexCharacter { index, .. }) => Err(index),
        // Lengths are checked by every caller first.
        Err(_) => Err(0),
    }
}
