//! `Sec-WebSocket-Key` and `Sec-WebSocket-Accept` (RFC 6455 §1.3, §4.2.2 step 5.4).

use core::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::{alphabet, Engine as _};

use super::error::RequestError;

/// The GUID a server appends to the client's key before hashing (§1.3).
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Decodes keys the way §4.1 item 7 writes them: its own example,
/// `AQIDBAUGBwgJCgsMDQ4PEC==`, has non-zero bits after the 16th byte, which a canonical
/// decoder would refuse.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Whether `key` is the base64 of exactly 16 bytes (§4.2.1 item 5).
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    let mut out = [0u8; 18];
    key.len() == 24 && matches!(LENIENT.decode_slice(key, &mut out), Ok(16))
}

/// The `Sec-WebSocket-Accept` value for a key: base64(SHA-1(key ‖ [`GUID`])), held in
/// a fixed array (§4.2.2 step 5.4).
///
/// ```
/// use rfc6455::handshake::accept_key;
/// // §1.3
/// assert_eq!(accept_key(b"dGhlIHNhbXBsZSBub25jZQ==").as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptKey([u8; 28]);

impl AcceptKey {
    /// The value as ASCII text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The value as bytes.
    pub fn as_bytes(&self) -> &[u8; 28] {
        &self.0
    }
}

impl fmt::Debug for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AcceptKey").field(&self.as_str()).finish()
    }
}

impl fmt::Display for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Derives the `Sec-WebSocket-Accept` value for `key`, the `Sec-WebSocket-Key` value
/// exactly as sent (the RFC hashes the base64 text, not the nonce it encodes).
///
/// ```
/// use rfc6455::handshake::accept_key;
/// let accept = accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
/// assert_eq!(accept.as_bytes(), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
#[must_use]
pub fn accept_key(key: &[u8]) -> AcceptKey {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(GUID.as_bytes());
    let mut out = [0u8; 28];
    let written = STANDARD.encode_slice(sha.digest().bytes(), &mut out);
    debug_assert!(matches!(written, Ok(28)));
    AcceptKey(out)
}

/// A client's `Sec-WebSocket-Key`: the base64 of a 16-byte nonce (§4.1 item 7).
///
/// The nonce must be unpredictable and fresh for every connection; the crate takes it
/// from the caller rather than drawing it. With `std`, [`WebSocketKey::random`] draws
/// one from the operating system.
///
/// ```
/// use rfc6455::handshake::WebSocketKey;
/// // §1.3: the nonce "the sample nonce"
/// let key = WebSocketKey::from_nonce(b"the sample nonce");
/// assert_eq!(key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
/// assert_eq!(key.accept().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WebSocketKey([u8; 24]);

impl WebSocketKey {
    /// Encodes a 16-byte nonce.
    #[must_use]
    pub fn from_nonce(nonce: &[u8; 16]) -> Self {
        let mut out = [0u8; 24];
        let written = STANDARD.encode_slice(nonce, &mut out);
        debug_assert!(matches!(written, Ok(24)));
        WebSocketKey(out)
    }

    /// A key from a nonce drawn from the operating system.
    ///
    /// ```
    /// use rfc6455::handshake::WebSocketKey;
    /// assert_ne!(WebSocketKey::random(), WebSocketKey::random());
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[must_use]
    pub fn random() -> Self {
        Self::from_nonce(&random_nonce())
    }

    /// A key as received: the base64 of exactly 16 bytes (§4.2.1 item 5), for servers
    /// that read `Sec-WebSocket-Key` themselves.
    ///
    /// ```
    /// use rfc6455::handshake::{RequestError, WebSocketKey};
    /// let key = WebSocketKey::parse(b"dGhlIHNhbXBsZSBub25jZQ==")?;
    /// assert_eq!(key.accept().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    /// assert_eq!(WebSocketKey::parse(b"c2hvcnQ="), Err(RequestError::InvalidKey));
    /// # Ok::<(), RequestError>(())
    /// ```
    pub fn parse(value: &[u8]) -> Result<Self, RequestError> {
        if !is_valid_key(value) {
            return Err(RequestError::InvalidKey);
        }
        let mut key = [0u8; 24];
        key.copy_from_slice(value);
        Ok(WebSocketKey(key))
    }

    /// The value as ASCII text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The `Sec-WebSocket-Accept` value a server must answer with.
    #[must_use]
    pub fn accept(&self) -> AcceptKey {
        accept_key(&self.0)
    }
}

impl fmt::Debug for WebSocketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WebSocketKey").field(&self.as_str()).finish()
    }
}

impl fmt::Display for WebSocketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 16-byte handshake nonce from the operating system (§4.1 item 7: "selected randomly
/// for each connection").
///
/// ```
/// let nonce: [u8; 16] = rfc6455::handshake::random_nonce();
/// # let _ = nonce;
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[must_use]
pub fn random_nonce() -> [u8; 16] {
    let mut nonce = [0u8; 16];
    crate::OsRandom::new().fill(&mut nonce);
    nonce
}
