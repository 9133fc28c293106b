use super::build::Rejection;
use crate::InsufficientSize;

/// A request or response head that is not well-formed HTTP/1.1 (RFC 7230 §3), or that
/// exceeds the parser's [`Limits`](super::Limits).
///
/// Shared by both sides: the server meets it inside [`RequestError::Head`], the client
/// inside [`ResponseError::Head`].
///
/// ```
/// use rfc6455::handshake::{HeadError, Limits, RequestError, RequestParser};
/// let mut parser = RequestParser::new(Limits::default());
/// let err = parser.parse(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n").unwrap_err();
/// assert_eq!(err, RequestError::Head(HeadError::WhitespaceBeforeColon));
/// assert_eq!(err.status(), 400);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeadError {
    /// The blank line ending the head did not arrive within `limit` bytes.
    #[error("head exceeds {limit} bytes")]
    TooLarge {
        /// The limit that was applied: [`Limits::max_head_len`](super::Limits::max_head_len),
        /// or [`MAX_HEAD_LEN`](super::MAX_HEAD_LEN) when that is larger.
        limit: usize,
    },
    /// More than `limit` header fields.
    #[error("more than {limit} header fields")]
    TooManyHeaders {
        /// The effective header-count limit.
        limit: usize,
    },
    /// A line ended in a bare LF. Lines must end in CRLF (RFC 7230 §3); the lenient
    /// reading of §3.5 is not taken, so that this parser and any proxy in front of it
    /// cannot disagree about where a line ends.
    #[error("line ends in LF without CR")]
    BareLf,
    /// A header line starts with a space or tab: obsolete line folding, which a server
    /// must reject (RFC 7230 §3.2.4).
    #[error("obsolete line folding (a header line starting with whitespace)")]
    ObsFold,
    /// Whitespace between a field name and its colon (RFC 7230 §3.2.4: must be rejected
    /// with 400, a classic request-smuggling vector).
    #[error("whitespace between a header name and its colon")]
    WhitespaceBeforeColon,
    /// A header line without a colon.
    #[error("header line without a colon")]
    MissingColon,
    /// A field name that is empty or not an RFC 7230 `token`.
    #[error("header name is not a token")]
    InvalidHeaderName,
    /// A field value with a control character other than HTAB (NUL, CR, DEL, ...).
    #[error("control character in a header value")]
    InvalidHeaderValue,
}

/// Why a server refuses a client's opening handshake (RFC 6455 §4.2.1), or its Origin.
///
/// Every variant names the HTTP status of the response the server must send instead of
/// `101` ([`RequestError::status`]); [`RequestError::rejection`] builds that response.
///
/// ```
/// use rfc6455::handshake::{Limits, RequestError, RequestParser};
/// let head = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Version: 8\r\n\r\n";
/// let err = RequestParser::new(Limits::default()).parse(head).unwrap_err();
/// assert_eq!(err, RequestError::UnsupportedVersion);
/// assert_eq!(err.status(), 426);
///
/// let mut out = [0u8; 256];
/// let n = err.rejection().encode(&mut out)?;
/// assert!(out[..n].starts_with(b"HTTP/1.1 426 Upgrade Required\r\n"));
/// assert!(out[..n].windows(25).any(|w| w == b"Sec-WebSocket-Version: 13"));
/// # Ok::<(), rfc6455::handshake::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The head is not well-formed HTTP/1.1 or exceeds the limits.
    #[error(transparent)]
    Head(#[from] HeadError),
    /// The request line is not `method SP request-target SP HTTP-version`.
    #[error("malformed request line")]
    MalformedRequestLine,
    /// §4.2.1 item 1: the method is not `GET`.
    #[error("method is not GET")]
    MethodNotGet,
    /// §4.2.1 item 1: the HTTP version is below 1.1.
    #[error("HTTP version below 1.1")]
    HttpVersionTooOld,
    /// A well-formed `HTTP/d.d` with a major version other than 1 (`HTTP/2.0`,
    /// `HTTP/3.0`): the upgrade is an HTTP/1.1 mechanism, and a line that claims
    /// another major version is not framed the way it is read here. Answered with 505
    /// HTTP Version Not Supported (RFC 7231 §6.6.6). A version that is not one digit,
    /// a dot and one digit (`HTTP/1.10`, `http/1.1`) is a
    /// [`MalformedRequestLine`](Self::MalformedRequestLine) (RFC 7230 §2.6).
    #[error("HTTP major version is not 1")]
    HttpVersionNotSupported,
    /// §4.2.1 item 1: the request-target is neither a path (`/chat?x`) nor an absolute
    /// `http`/`https` URI, or it carries a fragment.
    #[error("request-target is not a resource name")]
    InvalidTarget,
    /// §4.2.1 item 2: no `Host` header field.
    #[error("missing Host header")]
    MissingHost,
    /// More than one `Host` field (RFC 7230 §5.4 requires a 400).
    #[error("more than one Host header")]
    DuplicateHost,
    /// A `Host` value that is not an authority (`host[:port]`).
    #[error("Host header is not an authority")]
    InvalidHost,
    /// The request-target is an absolute URI whose authority names another host or
    /// port than `Host` (RFC 7230 §5.4: the target's authority is the one requested).
    /// Hosts compare ASCII case-insensitively and an absent port is the scheme's
    /// default, so `GET http://a.example:80/ HTTP/1.1` with `Host: A.example` passes;
    /// refusing the rest keeps [`HandshakeRequest::host`](super::HandshakeRequest::host)
    /// the authority actually requested.
    #[error("Host header disagrees with the request-target's authority")]
    HostMismatch,
    /// §4.2.1 item 3: no `Upgrade` field with the token `websocket`.
    #[error("Upgrade header lacks the websocket token")]
    UpgradeNotWebSocket,
    /// §4.2.1 item 4: no `Connection` field with the token `Upgrade`.
    #[error("Connection header lacks the Upgrade token")]
    ConnectionNotUpgrade,
    /// §4.2.1 item 5: no `Sec-WebSocket-Key`.
    #[error("missing Sec-WebSocket-Key")]
    MissingKey,
    /// §11.3.1: `Sec-WebSocket-Key` appears more than once.
    #[error("more than one Sec-WebSocket-Key")]
    DuplicateKey,
    /// §4.2.1 item 5: the key is not the base64 encoding of exactly 16 bytes.
    #[error("Sec-WebSocket-Key is not the base64 of 16 bytes")]
    InvalidKey,
    /// §4.2.1 item 6: no `Sec-WebSocket-Version`.
    #[error("missing Sec-WebSocket-Version")]
    MissingVersion,
    /// §4.2.1 item 6: a version other than 13 (or more than one).
    #[error("Sec-WebSocket-Version is not 13")]
    UnsupportedVersion,
    /// §4.1 item 10: `Sec-WebSocket-Protocol` is not a comma list of tokens.
    #[error("Sec-WebSocket-Protocol is not a list of tokens")]
    InvalidProtocols,
    /// §9.1: `Sec-WebSocket-Extensions` does not match the extension-list grammar.
    #[error("Sec-WebSocket-Extensions is malformed")]
    InvalidExtensions,
    /// More than one `Origin` (RFC 6454 §7.3 allows one; two could smuggle a second
    /// origin past a policy that reads only the first).
    #[error("more than one Origin header")]
    DuplicateOrigin,
    /// An `Origin` value that is not visible ASCII (RFC 6454 §6.2 serializes to ASCII).
    #[error("Origin header is not an ASCII origin")]
    InvalidOrigin,
    /// A `Transfer-Encoding` or a non-zero `Content-Length`: the bytes after the head
    /// belong to the WebSocket frame layer, so a request body could be read as frames by
    /// one party and as HTTP by another.
    #[error("the upgrade request announces a body")]
    UnexpectedBody,
    /// RFC 8441 §4: a CONNECT over HTTP/2 or HTTP/3 whose `:protocol` is absent (a
    /// tunnel request) or not `websocket`, or a `:protocol` on a request other than
    /// CONNECT.
    #[error("extended CONNECT without :protocol websocket")]
    ProtocolNotWebSocket,
    /// An extended CONNECT carrying `Connection` or `Upgrade`: connection-specific
    /// fields make an HTTP/2 or HTTP/3 request malformed (RFC 9113 §8.2.2, RFC 9114
    /// §4.2), and RFC 8441 §5 replaces the upgrade with `:protocol`.
    #[error("extended CONNECT with a connection-specific header")]
    ConnectionSpecificHeader,
    /// The server's [`OriginPolicy`](super::OriginPolicy) refused the `Origin`
    /// (§4.2.2 step 4, §10.2).
    #[error("origin refused")]
    OriginRefused,
}

impl RequestError {
    /// The HTTP status to answer with: 426 for a missing or unsupported version (§4.2.2
    /// /version/), 403 for a refused origin (§4.2.2 /origin/), 431 for a head over the
    /// limits (RFC 6585 §5), 505 for an HTTP major version other than 1 (RFC 7231
    /// §6.6.6), 400 for everything else (§4.2.1).
    ///
    /// ```
    /// use rfc6455::handshake::RequestError;
    /// assert_eq!(RequestError::DuplicateKey.status(), 400);
    /// assert_eq!(RequestError::OriginRefused.status(), 403);
    /// ```
    pub const fn status(&self) -> u16 {
        match self {
            RequestError::Head(HeadError::TooLarge { .. } | HeadError::TooManyHeaders { .. }) => {
                431
            }
            RequestError::MissingVersion | RequestError::UnsupportedVersion => 426,
            RequestError::OriginRefused => 403,
            RequestError::HttpVersionNotSupported => 505,
            _ => 400,
        }
    }

    /// The response to send for this error: its [`status`](Self::status), the standard
    /// reason phrase, and for 426 the `Sec-WebSocket-Version: 13` header §4.4 requires.
    /// Add headers or a body with the [`Rejection`] builder methods.
    ///
    /// ```
    /// use rfc6455::handshake::RequestError;
    /// let mut out = [0u8; 128];
    /// let n = RequestError::OriginRefused.rejection().body(b"no").encode(&mut out)?;
    /// assert_eq!(&out[..n], b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");
    /// # Ok::<(), rfc6455::handshake::BuildError>(())
    /// ```
    pub const fn rejection(&self) -> Rejection<'static> {
        let status = self.status();
        let reason = match status {
            426 => "Upgrade Required",
            403 => "Forbidden",
            431 => "Request Header Fields Too Large",
            505 => "HTTP Version Not Supported",
            _ => "Bad Request",
        };
        Rejection::new(status, reason)
    }
}

/// Why a client fails the connection on the server's response (RFC 6455 §4.1, the
/// numbered steps after "The client MUST validate the server's response").
///
/// A well-formed response with a status other than 101 is not an error: it comes back
/// as [`HandshakeResponse::Rejected`](super::HandshakeResponse::Rejected).
///
/// ```
/// use rfc6455::handshake::{ClientRequest, Limits, ResponseError, ResponseParser};
/// let request = ClientRequest::new("example.com", "/chat", [7; 16]);
/// let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
/// let err = ResponseParser::new(Limits::default()).parse(head, &request).unwrap_err();
/// assert_eq!(err, ResponseError::AcceptMismatch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The head is not well-formed HTTP/1.1 or exceeds the limits.
    #[error(transparent)]
    Head(#[from] HeadError),
    /// The status line is not `HTTP-version SP 3DIGIT SP reason-phrase`.
    #[error("malformed status line")]
    MalformedStatusLine,
    /// A 101 answered with an HTTP version below 1.1, which has no Upgrade.
    #[error("101 response with an HTTP version below 1.1")]
    HttpVersionTooOld,
    /// A status line with an HTTP major version other than 1 (`HTTP/2.0 101`): this
    /// is an answer to an HTTP/1.1 request, and neither the upgrade nor the framing of
    /// any other status is HTTP/1.x's under another major version.
    #[error("status line with an HTTP major version other than 1")]
    HttpVersionNotSupported,
    /// §4.1 step 2: no `Upgrade: websocket`.
    #[error("Upgrade header lacks the websocket token")]
    UpgradeNotWebSocket,
    /// §4.1 step 3: no `Connection` with the token `Upgrade`.
    #[error("Connection header lacks the Upgrade token")]
    ConnectionNotUpgrade,
    /// §4.1 step 4: no `Sec-WebSocket-Accept`.
    #[error("missing Sec-WebSocket-Accept")]
    MissingAccept,
    /// §4.1 step 4: the accept value differs from the one derived from our key, or it
    /// appears more than once.
    #[error("Sec-WebSocket-Accept does not match the key")]
    AcceptMismatch,
    /// §4.2.2 /subprotocol/: the server named more than one subprotocol.
    #[error("more than one subprotocol selected")]
    MultipleProtocols,
    /// The selected subprotocol is not a token.
    #[error("selected subprotocol is not a token")]
    InvalidProtocol,
    /// §4.1 step 6: the server selected a subprotocol the client did not offer.
    #[error("server selected a subprotocol that was not offered")]
    UnsolicitedProtocol,
    /// §9.1: `Sec-WebSocket-Extensions` does not match the extension-list grammar.
    #[error("Sec-WebSocket-Extensions is malformed")]
    InvalidExtensions,
    /// §4.1 step 5: the server accepted an extension the client did not offer.
    #[error("server accepted an extension that was not offered")]
    UnsolicitedExtension,
    /// The server accepted the same extension twice (names compared ASCII
    /// case-insensitively). A client's several offers of one extension are
    /// alternatives (RFC 7692 §5), and two instances of it in use (§9.1: the
    /// response lists the extensions in use) would claim the same RSV bits.
    #[error("server accepted the same extension twice")]
    DuplicateExtension,
}

/// The local caller asked to build a head that would be invalid or unsafe to send, or
/// gave a buffer too small for it. Nothing was written.
///
/// Values are checked against the HTTP grammar so that no caller input can inject a line
/// break (response splitting) or a second copy of a header the handshake relies on.
///
/// ```
/// use rfc6455::handshake::{BuildError, ClientRequest};
/// let mut out = [0u8; 512];
/// let err = ClientRequest::new("example.com", "/", [0; 16])
///     .headers(&[("X-Evil", "a\r\nInjected: yes")])
///     .encode(&mut out)
///     .unwrap_err();
/// assert_eq!(err, BuildError::InvalidHeaderValue);
///
/// let err = ClientRequest::new("example.com", "/", [0; 16]).encode(&mut out[..10]).unwrap_err();
/// assert!(matches!(err, BuildError::InsufficientSize(s) if s.required > 10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The output buffer is too small; nothing was written.
    #[error(transparent)]
    InsufficientSize(#[from] InsufficientSize),
    /// The host is empty or not an authority (`host[:port]`).
    #[error("host is not an authority")]
    InvalidHost,
    /// The resource name does not start with `/`, or has a space, control character,
    /// non-ASCII byte or `#` (§3).
    #[error("resource name is not a path and query")]
    InvalidTarget,
    /// The origin is not visible ASCII.
    #[error("origin is not visible ASCII")]
    InvalidOrigin,
    /// A subprotocol that is not a token (§4.1 item 10).
    #[error("subprotocol is not a token")]
    InvalidProtocol,
    /// The same subprotocol offered twice (§4.1 item 10: values MUST be unique).
    #[error("subprotocol offered twice")]
    DuplicateProtocol,
    /// The server chose a subprotocol the client did not offer (§4.2.2 /subprotocol/).
    #[error("subprotocol was not offered by the client")]
    ProtocolNotOffered,
    /// An extension string that is not exactly one `extension` of the §9.1 grammar.
    #[error("extension does not match the grammar")]
    InvalidExtension,
    /// The server accepted an extension the client did not offer (§4.2.2 /extensions/).
    #[error("extension was not offered by the client")]
    ExtensionNotOffered,
    /// The server accepted the same extension twice (names compared ASCII
    /// case-insensitively); the client would fail the connection over it
    /// ([`ResponseError::DuplicateExtension`]).
    #[error("extension accepted twice")]
    DuplicateExtension,
    /// An extra header name that is not a token.
    #[error("header name is not a token")]
    InvalidHeaderName,
    /// An extra header value with a control character (CR and LF included).
    #[error("header value has a control character")]
    InvalidHeaderValue,
    /// An extra header that the builder writes itself (for instance `Upgrade`, `Host` or
    /// `Content-Length`); a second copy would make the head ambiguous.
    #[error("header is managed by the builder")]
    ReservedHeader,
    /// The head was asked for as HTTP/1.1 bytes, but the handshake is an extended
    /// CONNECT, which HTTP/2 or HTTP/3 carries as header fields: use the `fields` of the
    /// builder (or the `http` feature) instead.
    #[error("extended CONNECT has no HTTP/1.1 head")]
    NotHttp11,
    /// A client request for an HTTP version below 1.1, which has no WebSocket
    /// handshake (§4.1 item 2), or a `:scheme` other than `http` and `https` (RFC 8441
    /// §5).
    #[error("no WebSocket handshake for this HTTP version or scheme")]
    UnsupportedVersion,
    /// A rejection status outside 200–599.
    #[error("status code is not 200-599")]
    InvalidStatus,
    /// A reason phrase with a control character.
    #[error("reason phrase has a control character")]
    InvalidReason,
}
