//! The opening handshake (RFC 6455 §4): HTTP/1.1 upgrade request and response.
//!
//! Stateless and allocation-free: parsers read the caller's buffer and hand out views
//! that borrow it, builders write into the caller's `&mut [u8]`. Nothing here does IO.
//!
//! - Server: [`RequestParser`] reads the client's request and checks §4.2.1, giving a
//!   [`HandshakeRequest`] or a [`RequestError`] that knows its HTTP status and its
//!   [`Rejection`]; [`OriginPolicy`] decides on the `Origin`; [`AcceptResponse`] writes
//!   the `101`.
//! - Client: [`ClientRequest`] writes the request from a 16-byte nonce the caller
//!   supplies ([`random_nonce`] with `std`); [`ResponseParser`] reads the answer and
//!   checks §4.1, giving [`HandshakeResponse::Accepted`],
//!   [`HandshakeResponse::Rejected`] for any other status, or a [`ResponseError`].
//! - [`accept_key`] derives `Sec-WebSocket-Accept` (§1.3).
//!
//! Both parsers take a buffer that grows between calls and resume where they stopped,
//! so a head trickled in one byte at a time costs linear time (the CVE-2023-43669
//! class), and both stop at [`Limits`]. They are strict about HTTP/1.1 (RFC 7230): CRLF
//! line endings only, no obsolete line folding, no whitespace before a header's colon,
//! no control characters in values. Everything after the head is left alone: it is the
//! first bytes of the WebSocket connection.
//!
//! # A handshake end to end
//!
//! ```
//! use rfc6455::handshake::{
//!     AcceptResponse, ClientRequest, HandshakeResponse, Limits, OriginPolicy, RequestParser,
//!     ResponseParser,
//! };
//! use rfc6455::Status;
//!
//! // Client: the nonce must be fresh and random per connection (§4.1 item 7); with
//! // `std`, `rfc6455::handshake::random_nonce()` gives one.
//! let protocols = ["chat", "superchat"];
//! let offers = ["permessage-deflate; client_max_window_bits"];
//! let request = ClientRequest::new("server.example.com", "/chat?room=1", *b"the sample nonce")
//!     .origin("https://server.example.com")
//!     .protocols(&protocols)
//!     .extensions(&offers);
//! let mut to_server = [0u8; 1024];
//! let sent = request.encode(&mut to_server)?;
//!
//! // Server: the request arrives in two reads.
//! let mut parser = RequestParser::new(Limits::default());
//! assert_eq!(parser.parse(&to_server[..sent / 2])?, Status::Partial);
//! let Status::Complete(incoming) = parser.parse(&to_server[..sent])? else { unreachable!() };
//! assert_eq!((incoming.path(), incoming.query()), ("/chat", Some("room=1")));
//! OriginPolicy::new().same_origin(true).check(&incoming)?;
//! let chosen = incoming.protocols().find(|p| *p == "chat").unwrap();
//! let mut to_client = [0u8; 1024];
//! let answered = AcceptResponse::new(&incoming)
//!     .protocol(chosen)
//!     .extensions(&["permessage-deflate"])
//!     .encode(&mut to_client)?;
//! // The server's first frame follows its head in the same write.
//! to_client[answered..answered + 4].copy_from_slice(b"\x81\x02hi");
//!
//! // Client: validate the answer; what follows the head is frames.
//! let mut parser = ResponseParser::new(Limits::default());
//! let received = &to_client[..answered + 4];
//! let Status::Complete(HandshakeResponse::Accepted(accepted)) = parser.parse(received, &request)?
//! else {
//!     unreachable!()
//! };
//! assert_eq!(accepted.protocol(), Some("chat"));
//! assert_eq!(accepted.extensions().next().unwrap().name(), "permessage-deflate");
//! assert_eq!(&received[accepted.head_len()..], b"\x81\x02hi");
//! # Ok::<(), rfc6455::handshake::HandshakeFailure>(())
//! ```
//!
//! A request that fails is answered with the rejection its error names:
//!
//! ```
//! use rfc6455::handshake::{Limits, RequestParser};
//! let mut parser = RequestParser::new(Limits::default());
//! let err = parser.parse(b"POST /chat HTTP/1.1\r\n\r\n").unwrap_err();
//! let mut out = [0u8; 128];
//! let n = err.rejection().encode(&mut out)?;
//! assert_eq!(&out[..n], b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
//! # Ok::<(), rfc6455::handshake::BuildError>(())
//! ```

mod accept;
mod build;
mod error;
mod extension;
mod head;
#[cfg(feature = "http")]
mod http;
mod origin;
mod parts;
mod request;
mod response;

#[cfg(feature = "std")]
pub use accept::random_nonce;
pub use accept::{accept_key, AcceptKey, WebSocketKey, GUID};
pub use build::{AcceptResponse, ClientRequest, HeaderFields, Rejection, RequestHead};
pub use error::{BuildError, HeadError, RequestError, ResponseError};
pub use extension::{Extension, ExtensionParam, ExtensionParams, Extensions, ParamValue};
pub use head::{GetAll, HeaderIter, Headers, ListItems};
pub use origin::OriginPolicy;
pub use parts::{Form, HttpVersion, RequestParts};
pub use request::{Cookies, HandshakeRequest, Protocols, RequestParser};
pub use response::{Accepted, HandshakeResponse, Rejected, ResponseParser};

/// The default [`Limits::max_head_len`]: 8 KiB, what common HTTP servers allow.
pub const DEFAULT_MAX_HEAD_LEN: usize = 8 * 1024;

/// The default [`Limits::max_headers`], and the default header capacity of the parsers.
pub const DEFAULT_MAX_HEADERS: usize = 64;

/// The largest head a parser can hold: header positions are stored as `u16`.
pub const MAX_HEAD_LEN: usize = 64 * 1024;

/// Bounds on what a peer may send before the handshake completes.
///
/// Exceeding one is a [`HeadError`]; a server answers it with 431 (RFC 6585 §5).
///
/// Each setter sets its own field and nothing else, so the order of the calls does not
/// matter, as with the connection's [`Config`](crate::connection::Config).
///
/// ```
/// use rfc6455::handshake::Limits;
/// let limits = Limits::default().max_head_len(4096).max_headers(32);
/// assert_eq!((limits.max_head_len, limits.max_headers), (4096, 32));
/// assert_eq!(limits, Limits::default().max_headers(32).max_head_len(4096));
/// assert_eq!(Limits::default().max_head_len, 8192);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "limits do nothing until a parser is built with them"]
pub struct Limits {
    /// The longest head accepted, blank line included. Values above [`MAX_HEAD_LEN`]
    /// act as [`MAX_HEAD_LEN`].
    pub max_head_len: usize,
    /// The most header fields accepted; the parser's capacity `N` caps it too.
    pub max_headers: usize,
}

impl Limits {
    /// 8 KiB of head and 64 header fields.
    pub const DEFAULT: Limits = Limits {
        max_head_len: DEFAULT_MAX_HEAD_LEN,
        max_headers: DEFAULT_MAX_HEADERS,
    };

    /// Sets [`Limits::max_head_len`].
    #[must_use = "setters return the changed limits and leave the receiver as it was"]
    pub const fn max_head_len(mut self, bytes: usize) -> Self {
        self.max_head_len = bytes;
        self
    }

    /// Sets [`Limits::max_headers`].
    #[must_use = "setters return the changed limits and leave the receiver as it was"]
    pub const fn max_headers(mut self, count: usize) -> Self {
        self.max_headers = count;
        self
    }

    pub(crate) const fn effective_head_len(&self) -> usize {
        if self.max_head_len < MAX_HEAD_LEN {
            self.max_head_len
        } else {
            MAX_HEAD_LEN
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Any way the opening handshake can fail, for callers that drive both sides or want
/// one error type; each side's functions return the precise one.
///
/// ```
/// use rfc6455::handshake::{HandshakeFailure, RequestError};
/// let failure: HandshakeFailure = RequestError::MissingKey.into();
/// assert_eq!(failure.to_string(), "missing Sec-WebSocket-Key");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeFailure {
    /// The client's request was refused (server side).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server's response was refused (client side).
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// A head could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
}
