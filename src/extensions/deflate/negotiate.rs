//! Agreeing on permessage-deflate parameters in the opening handshake (RFC 7692 §5, §7.1).

use core::fmt::{self, Write as _};

use crate::handshake::{Extension, ParamValue};

/// The extension token.
pub const EXTENSION_NAME: &str = "permessage-deflate";

const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// The widest LZ77 window, 32 KiB, and what an absent `*_max_window_bits` means.
pub const MAX_WINDOW_BITS: u8 = 15;
/// The narrowest window the RFC allows, 256 bytes.
pub const MIN_WINDOW_BITS: u8 = 8;

/// What this endpoint asks for and allows, in its own terms ("own" is the direction it
/// compresses, "peer" the direction it inflates). The same value drives the client's
/// offer and the server's answer.
///
/// ```
/// use rfc6455::extensions::deflate::DeflateConfig;
/// let config = DeflateConfig::default().peer_no_context_takeover(true);
/// assert_eq!(
///     config.offer().as_str(),
///     "permessage-deflate; client_max_window_bits; server_no_context_takeover"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// Reset our compressor after every message and say so (default false): costs
    /// ratio, lets the peer drop nothing but tells it our messages stand alone.
    pub no_context_takeover: bool,
    /// Ask the peer to reset its compressor after every message (default false).
    pub peer_no_context_takeover: bool,
    /// The largest window we compress with (8–15, default 15); a peer's limit can only
    /// lower it.
    pub max_window_bits: u8,
    /// The largest window we ask the peer to compress with (8–15, default 15: no request).
    pub peer_max_window_bits: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            no_context_takeover: false,
            peer_no_context_takeover: false,
            max_window_bits: MAX_WINDOW_BITS,
            peer_max_window_bits: MAX_WINDOW_BITS,
        }
    }
}

impl DeflateConfig {
    /// Sets [`no_context_takeover`](Self::no_context_takeover).
    pub const fn no_context_takeover(mut self, on: bool) -> Self {
        self.no_context_takeover = on;
        self
    }

    /// Sets [`peer_no_context_takeover`](Self::peer_no_context_takeover).
    pub const fn peer_no_context_takeover(mut self, on: bool) -> Self {
        self.peer_no_context_takeover = on;
        self
    }

    /// Sets [`max_window_bits`](Self::max_window_bits), clamped to 8–15.
    pub const fn max_window_bits(mut self, bits: u8) -> Self {
        self.max_window_bits = clamp_bits(bits);
        self
    }

    /// Sets [`peer_max_window_bits`](Self::peer_max_window_bits), clamped to 8–15.
    pub const fn peer_max_window_bits(mut self, bits: u8) -> Self {
        self.peer_max_window_bits = clamp_bits(bits);
        self
    }

    /// The client's offer, for [`ClientRequest::extensions`](crate::handshake::ClientRequest::extensions).
    ///
    /// `client_max_window_bits` is always offered: the compressor honours any window the
    /// server picks, so there is no reason to make a server decline.
    pub fn offer(&self) -> HeaderValue {
        let own = clamp_bits(self.max_window_bits);
        let peer = clamp_bits(self.peer_max_window_bits);
        let mut out = HeaderValue::new();
        out.push(EXTENSION_NAME);
        if self.no_context_takeover {
            out.param(CLIENT_NO_CONTEXT_TAKEOVER, None);
        }
        out.param(
            CLIENT_MAX_WINDOW_BITS,
            (own < MAX_WINDOW_BITS).then_some(own),
        );
        if self.peer_no_context_takeover {
            out.param(SERVER_NO_CONTEXT_TAKEOVER, None);
        }
        if peer < MAX_WINDOW_BITS {
            out.param(SERVER_MAX_WINDOW_BITS, Some(peer));
        }
        out
    }

    /// Server side: the parameters for the first acceptable `permessage-deflate` offer
    /// among a request's extensions, or `None` to go without compression. Offers that
    /// break §7 (unknown, repeated or ill-valued parameters) are declined, not fatal
    /// (§7: "a server MUST decline").
    ///
    /// ```
    /// use rfc6455::extensions::deflate::{DeflateConfig, DeflateParams};
    /// use rfc6455::handshake::{Limits, RequestParser};
    /// let head = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
    ///     Sec-WebSocket-Extensions: permessage-deflate; x=1, \
    ///     permessage-deflate; server_max_window_bits=10; client_max_window_bits\r\n\r\n";
    /// let mut parser = RequestParser::new(Limits::default());
    /// let request = parser.parse(head)?.complete().unwrap();
    /// let params = DeflateConfig::default().accept(request.extensions()).unwrap();
    /// assert_eq!(params.server_max_window_bits, Some(10));
    /// assert_eq!(params.response().as_str(), "permessage-deflate; server_max_window_bits=10");
    /// # Ok::<(), rfc6455::handshake::RequestError>(())
    /// ```
    pub fn accept<'b>(
        &self,
        offers: impl IntoIterator<Item = Extension<'b>>,
    ) -> Option<DeflateParams> {
        offers
            .into_iter()
            .filter(|e| e.name().eq_ignore_ascii_case(EXTENSION_NAME))
            .find_map(|e| self.accept_one(&e))
    }

    fn accept_one(&self, offer: &Extension<'_>) -> Option<DeflateParams> {
        let offer = RawParams::parse(offer).ok()?;
        // In an offer, server_max_window_bits needs a value; client_max_window_bits may go without.
        if offer.server_max_window_bits == Some(None) {
            return None;
        }
        let own = clamp_bits(self.max_window_bits);
        let peer = clamp_bits(self.peer_max_window_bits);
        Some(DeflateParams {
            server_no_context_takeover: offer.server_no_context_takeover
                || self.no_context_takeover,
            client_no_context_takeover: self.peer_no_context_takeover,
            // A server may announce its own smaller window even when not asked to.
            server_max_window_bits: match offer.server_max_window_bits.flatten() {
                Some(offered) => Some(offered.min(own)),
                None => (own < MAX_WINDOW_BITS).then_some(own),
            },
            // §7.1.2.2: only when offered, and never above the offered value.
            client_max_window_bits: offer.client_max_window_bits.and_then(|offered| {
                let limit = peer.min(offered.unwrap_or(MAX_WINDOW_BITS));
                (limit < MAX_WINDOW_BITS).then_some(limit)
            }),
        })
    }

    /// Client side: checks the server's answer (the extensions of
    /// [`Accepted`](crate::handshake::Accepted)) against the offer this config made.
    /// `Ok(None)` means the server declined and messages go uncompressed; an error means
    /// the client must _Fail the WebSocket Connection_ (§7).
    ///
    /// ```
    /// use rfc6455::extensions::deflate::{DeflateConfig, NegotiationError};
    /// use rfc6455::handshake::{Limits, RequestParser};
    /// # fn parsed(ext: &str) -> Vec<u8> { format!("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\
    /// #     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    /// #     Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: {ext}\r\n\r\n").into_bytes() }
    /// let head = parsed("permessage-deflate; server_max_window_bits=16");
    /// let mut parser = RequestParser::new(Limits::default());
    /// let answer = parser.parse(&head)?.complete().unwrap();
    /// let err = DeflateConfig::default().check_response(answer.extensions()).unwrap_err();
    /// assert_eq!(err, NegotiationError::InvalidValue);
    /// # Ok::<(), rfc6455::handshake::RequestError>(())
    /// ```
    pub fn check_response<'b>(
        &self,
        extensions: impl IntoIterator<Item = Extension<'b>>,
    ) -> Result<Option<DeflateParams>, NegotiationError> {
        let mut found = None;
        for ext in extensions
            .into_iter()
            .filter(|e| e.name().eq_ignore_ascii_case(EXTENSION_NAME))
        {
            if found.is_some() {
                return Err(NegotiationError::DuplicateExtension);
            }
            found = Some(self.check_one(&ext)?);
        }
        Ok(found)
    }

    fn check_one(&self, answer: &Extension<'_>) -> Result<DeflateParams, NegotiationError> {
        let raw = RawParams::parse(answer)?;
        let peer = clamp_bits(self.peer_max_window_bits);
        let own = clamp_bits(self.max_window_bits);
        let server_max_window_bits = match raw.server_max_window_bits {
            None => None,
            Some(None) => return Err(NegotiationError::InvalidValue),
            Some(Some(bits)) if bits > peer => return Err(NegotiationError::InvalidValue),
            Some(bits) => bits,
        };
        let client_max_window_bits = match raw.client_max_window_bits {
            None => None,
            Some(None) => return Err(NegotiationError::InvalidValue),
            Some(Some(bits)) if bits > own => return Err(NegotiationError::InvalidValue),
            Some(bits) => bits,
        };
        // A server that keeps its context although asked not to still speaks a
        // configuration this side can inflate, so that is not an error.
        Ok(DeflateParams {
            server_no_context_takeover: raw.server_no_context_takeover,
            client_no_context_takeover: raw.client_no_context_takeover || self.no_context_takeover,
            server_max_window_bits,
            client_max_window_bits: client_max_window_bits
                .or((own < MAX_WINDOW_BITS).then_some(own)),
        })
    }
}

const fn clamp_bits(bits: u8) -> u8 {
    if bits < MIN_WINDOW_BITS {
        MIN_WINDOW_BITS
    } else if bits > MAX_WINDOW_BITS {
        MAX_WINDOW_BITS
    } else {
        bits
    }
}

/// A response or offer that breaks RFC 7692 §7; the client fails the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// A parameter permessage-deflate does not define.
    #[error("unknown permessage-deflate parameter")]
    UnknownParameter,
    /// The same parameter twice.
    #[error("repeated permessage-deflate parameter")]
    DuplicateParameter,
    /// A value where none belongs, none where one is required, a window outside 8–15, or
    /// a window larger than the offer allowed.
    #[error("invalid permessage-deflate parameter value")]
    InvalidValue,
    /// The server accepted permessage-deflate twice.
    #[error("permessage-deflate accepted more than once")]
    DuplicateExtension,
}

/// The parameters both ends agreed on, in the RFC's role-fixed terms. Absent window
/// limits mean 15 (32 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeflateParams {
    /// The server resets its compressor after every message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message.
    pub client_no_context_takeover: bool,
    /// The server compresses with at most this window.
    pub server_max_window_bits: Option<u8>,
    /// The client compresses with at most this window.
    pub client_max_window_bits: Option<u8>,
}

impl DeflateParams {
    /// The server's `Sec-WebSocket-Extensions` value, for
    /// [`AcceptResponse::extensions`](crate::handshake::AcceptResponse::extensions).
    pub fn response(&self) -> HeaderValue {
        let mut out = HeaderValue::new();
        out.push(EXTENSION_NAME);
        if self.server_no_context_takeover {
            out.param(SERVER_NO_CONTEXT_TAKEOVER, None);
        }
        if self.client_no_context_takeover {
            out.param(CLIENT_NO_CONTEXT_TAKEOVER, None);
        }
        // Clamped as the compressor clamps them: fields set by hand may hold anything,
        // and three digits would not fit the buffer next to everything else.
        if let Some(bits) = self.server_max_window_bits {
            out.param(SERVER_MAX_WINDOW_BITS, Some(clamp_bits(bits)));
        }
        if let Some(bits) = self.client_max_window_bits {
            out.param(CLIENT_MAX_WINDOW_BITS, Some(clamp_bits(bits)));
        }
        out
    }

    /// Whether the server's (or the client's) compressor resets after every message.
    /// The parameters in 16 bits, so a connection keeps them within its memory budget:
    /// bit 15 says they are there, bits 0 and 1 hold the two no-context-takeover flags,
    /// bits 2–5 and 6–9 the window bits (0 for none, else clamped to 8–15).
    pub(crate) const fn pack(&self) -> u16 {
        const fn bits(value: Option<u8>) -> u16 {
            match value {
                None => 0,
                Some(b) if b < MIN_WINDOW_BITS => MIN_WINDOW_BITS as u16,
                Some(b) if b > MAX_WINDOW_BITS => MAX_WINDOW_BITS as u16,
                Some(b) => b as u16,
            }
        }
        1 << 15
            | self.server_no_context_takeover as u16
            | (self.client_no_context_takeover as u16) << 1
            | bits(self.server_max_window_bits) << 2
            | bits(self.client_max_window_bits) << 6
    }

    /// The parameters [`pack`](Self::pack) packed; `None` for 0.
    pub(crate) const fn unpack(packed: u16) -> Option<Self> {
        const fn bits(value: u16) -> Option<u8> {
            match value & 0xF {
                0 => None,
                b => Some(b as u8),
            }
        }
        if packed & 1 << 15 == 0 {
            return None;
        }
        Some(DeflateParams {
            server_no_context_takeover: packed & 1 != 0,
            client_no_context_takeover: packed & 2 != 0,
            server_max_window_bits: bits(packed >> 2),
            client_max_window_bits: bits(packed >> 6),
        })
    }

    pub(crate) fn no_context_takeover(&self, compressing_side_is_server: bool) -> bool {
        if compressing_side_is_server {
            self.server_no_context_takeover
        } else {
            self.client_no_context_takeover
        }
    }

    /// The window the server (or the client) compresses with.
    pub(crate) fn window_bits(&self, compressing_side_is_server: bool) -> u8 {
        let bits = if compressing_side_is_server {
            self.server_max_window_bits
        } else {
            self.client_max_window_bits
        };
        bits.map_or(MAX_WINDOW_BITS, clamp_bits)
    }
}

/// The parameters of one offer or answer, checked for the §7 rules both share.
/// `Some(None)` is a parameter written without a value.
#[derive(Debug, Default)]
struct RawParams {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<Option<u8>>,
    client_max_window_bits: Option<Option<u8>>,
}

impl RawParams {
    fn parse(ext: &Extension<'_>) -> Result<Self, NegotiationError> {
        let mut raw = RawParams::default();
        for param in ext.params() {
            let name = param.name;
            let flag = |seen: bool| -> Result<bool, NegotiationError> {
                if seen {
                    Err(NegotiationError::DuplicateParameter)
                } else if param.value.is_some() {
                    Err(NegotiationError::InvalidValue)
                } else {
                    Ok(true)
                }
            };
            let bits = |seen: &Option<Option<u8>>| match seen {
                Some(_) => Err(NegotiationError::DuplicateParameter),
                None => param.value.map(window_bits_value).transpose().map(Some),
            };
            if name.eq_ignore_ascii_case(SERVER_NO_CONTEXT_TAKEOVER) {
                raw.server_no_context_takeover = flag(raw.server_no_context_takeover)?;
            } else if name.eq_ignore_ascii_case(CLIENT_NO_CONTEXT_TAKEOVER) {
                raw.client_no_context_takeover = flag(raw.client_no_context_takeover)?;
            } else if name.eq_ignore_ascii_case(SERVER_MAX_WINDOW_BITS) {
                raw.server_max_window_bits = bits(&raw.server_max_window_bits)?;
            } else if name.eq_ignore_ascii_case(CLIENT_MAX_WINDOW_BITS) {
                raw.client_max_window_bits = bits(&raw.client_max_window_bits)?;
            } else {
                return Err(NegotiationError::UnknownParameter);
            }
        }
        Ok(raw)
    }
}

/// §7.1.2.1: a decimal 8–15 without leading zeros, written as a token or quoted.
fn window_bits_value(value: ParamValue<'_>) -> Result<u8, NegotiationError> {
    let mut digits = value.unescaped();
    let n = match (digits.next(), digits.next(), digits.next()) {
        (Some(d @ b'8'..=b'9'), None, _) => d - b'0',
        (Some(b'1'), Some(d @ b'0'..=b'5'), None) => 10 + d - b'0',
        _ => return Err(NegotiationError::InvalidValue),
    };
    Ok(n)
}

/// A `Sec-WebSocket-Extensions` value built without allocating; the longest
/// permessage-deflate element fits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HeaderValue {
    buf: [u8; 128],
    len: u8,
}

impl HeaderValue {
    const fn new() -> Self {
        HeaderValue {
            buf: [0; 128],
            len: 0,
        }
    }

    /// The value as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        core::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or_default()
    }

    /// Callers push only the extension's own tokens and two-digit window sizes: at most
    /// 128 bytes in all (`response` with every parameter).
    fn push(&mut self, s: &str) {
        let start = self.len as usize;
        self.buf[start..start + s.len()].copy_from_slice(s.as_bytes());
        self.len += s.len() as u8;
    }

    fn param(&mut self, name: &str, value: Option<u8>) {
        self.push("; ");
        self.push(name);
        if let Some(v) = value {
            // Cannot fail: the buffer has room for every parameter at once.
            let _ = write!(self, "={v}");
        }
    }
}

impl fmt::Write for HeaderValue {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s);
        Ok(())
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
