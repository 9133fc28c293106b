//! Client side: reading the server's opening handshake (RFC 6455 §4.1, §4.2.2).

use core::ops::Range;

use super::build::ClientRequest;
use super::error::ResponseError;
use super::extension::{is_extension_list, single_extension, Extensions};
use super::head::{
    check_fields, http_version, is_token, is_value_byte, Head, HeadParser, Headers, StartLine,
};
use super::parts::{Form, HttpVersion};
use super::{Limits, DEFAULT_MAX_HEADERS};
use crate::Status;

/// Where the parts of the status line are: `HTTP-version SP 3DIGIT SP reason-phrase`
/// (RFC 7230 §3.1.2). A missing `SP reason-phrase` is tolerated because servers in the
/// wild send `HTTP/1.1 101` bare.
#[derive(Debug, Clone)]
struct StatusLine {
    version: (u8, u8),
    status: u16,
    reason: Range<usize>,
}

/// Reads the server's answer to a [`ClientRequest`] from a buffer that grows between
/// calls, with the same limits and resumption as [`RequestParser`](super::RequestParser).
///
/// A `101` is checked against §4.1 and the request that was sent and comes back as
/// [`HandshakeResponse::Accepted`]. Any other status is HTTP carrying on as usual (§4.1
/// step 1) and comes back as [`HandshakeResponse::Rejected`], with its headers and where
/// its body starts, so a client can follow a redirect or authenticate.
///
/// ```
/// use rfc6455::handshake::{ClientRequest, HandshakeResponse, Limits, ResponseParser};
/// use rfc6455::Status;
///
/// let request = ClientRequest::new("server.example.com", "/chat", *b"the sample nonce");
/// // §1.3, followed by the first frame the server sent
/// let bytes = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi";
/// let mut parser = ResponseParser::new(Limits::default());
/// assert!(parser.parse(&bytes[..50], &request)?.is_partial());
/// let Status::Complete(HandshakeResponse::Accepted(accepted)) = parser.parse(bytes, &request)?
/// else {
///     panic!()
/// };
/// assert_eq!(accepted.protocol(), None);
/// assert_eq!(&bytes[accepted.head_len()..], b"\x81\x02hi");
/// # Ok::<(), rfc6455::handshake::ResponseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ResponseParser<const N: usize = DEFAULT_MAX_HEADERS> {
    head: HeadParser<StatusLine, N>,
}

impl ResponseParser {
    /// A parser with the default header capacity of 64.
    pub const fn new(limits: Limits) -> Self {
        Self::with_capacity(limits)
    }
}

impl<const N: usize> ResponseParser<N> {
    /// A parser with room for `N` header fields.
    pub const fn with_capacity(limits: Limits) -> Self {
        ResponseParser {
            head: HeadParser::new(limits),
        }
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> Limits {
        self.head.limits()
    }

    /// Forgets everything parsed so far.
    pub fn reset(&mut self) {
        self.head.reset();
    }

    /// How many bytes the parser has examined over all calls: at most twice the length
    /// of the head.
    pub fn bytes_scanned(&self) -> usize {
        self.head.bytes_scanned()
    }

    /// Parses the response head at the start of `buf` and, for a 101, validates it
    /// against `request`, the handshake this client sent.
    ///
    /// `buf` must hold the bytes of the previous call followed by any new ones; a
    /// shorter buffer makes the parser start over. An error is final: the client must
    /// _Fail the WebSocket Connection_ (§4.1).
    pub fn parse<'b>(
        &'b mut self,
        buf: &'b [u8],
        request: &ClientRequest<'_>,
    ) -> Result<Status<HandshakeResponse<'b>>, ResponseError> {
        self.head.parse(buf, |head| answer(head, request))
    }
}

/// A complete response: [`HandshakeResponse::Rejected`] for any status but 101, which
/// must pass §4.1's checks to be [`HandshakeResponse::Accepted`].
fn answer<'b>(
    Head {
        start_line: line,
        bytes: head,
        headers,
    }: Head<'b, StatusLine>,
    request: &ClientRequest<'_>,
) -> Result<HandshakeResponse<'b>, ResponseError> {
    let head_len = head.len();
    if line.status != 101 {
        return Ok(HandshakeResponse::Rejected(Rejected {
            status: line.status,
            reason: &head[line.reason.clone()],
            headers,
            head_len,
        }));
    }
    validate(line, headers, request).map(|protocol| {
        HandshakeResponse::Accepted(Accepted {
            protocol,
            headers,
            head_len,
        })
    })
}

impl StartLine for StatusLine {
    type Error = ResponseError;

    fn parse(buf: &[u8], range: Range<usize>) -> Result<Self, ResponseError> {
        let line = &buf[range.clone()];
        let malformed = ResponseError::MalformedStatusLine;
        let version = line.get(..8).and_then(http_version).ok_or(malformed)?;
        let Some(&[b' ', a, b, c]) = line.get(8..12) else {
            return Err(malformed);
        };
        if !(matches!(a, b'1'..=b'9') && b.is_ascii_digit() && c.is_ascii_digit()) {
            return Err(malformed);
        }
        if version.0 >= 2 {
            return Err(ResponseError::HttpVersionNotSupported);
        }
        let status = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
        let reason = match line.get(12..) {
            Some([]) | None => range.end..range.end,
            Some([b' ', reason @ ..]) if reason.iter().all(|&b| is_value_byte(b)) => {
                range.start + 13..range.end
            }
            Some(_) => return Err(malformed),
        };
        Ok(StatusLine {
            version,
            status,
            reason,
        })
    }
}

fn validate<'b>(
    line: &StatusLine,
    headers: Headers<'b>,
    request: &ClientRequest<'_>,
) -> Result<Option<&'b str>, ResponseError> {
    if line.version < (1, 1) {
        return Err(ResponseError::HttpVersionTooOld);
    }
    validate_upgrade(headers, request)?;
    negotiated(headers, request)
}

/// §4.1 steps 2 to 4, which only the Upgrade form has.
fn validate_upgrade(
    headers: Headers<'_>,
    request: &ClientRequest<'_>,
) -> Result<(), ResponseError> {
    if !headers.contains_token("upgrade", "websocket") {
        return Err(ResponseError::UpgradeNotWebSocket);
    }
    if !headers.contains_token("connection", "upgrade") {
        return Err(ResponseError::ConnectionNotUpgrade);
    }
    let mut accepts = headers.get_all("sec-websocket-accept");
    let accept = accepts.next().ok_or(ResponseError::MissingAccept)?;
    if accepts.next().is_some() || accept != request.key().accept().as_bytes() {
        return Err(ResponseError::AcceptMismatch);
    }
    Ok(())
}

/// A response given as its status and header fields, as an HTTP library hands it over:
/// for [`ClientRequest::check_response`] and the `http` feature.
pub(crate) fn check_parts<'b>(
    request: &ClientRequest<'_>,
    version: HttpVersion,
    status: u16,
    headers: Headers<'b>,
) -> Result<HandshakeResponse<'b>, ResponseError> {
    check_fields(&headers)?;
    let form = match version.form() {
        Some(form) => form,
        None if status == 101 => return Err(ResponseError::HttpVersionTooOld),
        None => Form::Upgrade,
    };
    // RFC 8441 §5: over HTTP/2 and 3 any 2xx accepts; every other status is HTTP
    // carrying on, as for a status other than 101 over HTTP/1.1 (§4.1 step 1).
    let accepted = match form {
        Form::Upgrade => status == 101,
        Form::ExtendedConnect => (200..300).contains(&status),
    };
    if !accepted {
        return Ok(HandshakeResponse::Rejected(Rejected {
            status,
            reason: &[],
            headers,
            head_len: 0,
        }));
    }
    if form == Form::Upgrade {
        validate_upgrade(headers, request)?;
    }
    negotiated(headers, request).map(|protocol| {
        HandshakeResponse::Accepted(Accepted {
            protocol,
            headers,
            head_len: 0,
        })
    })
}

/// §4.1 steps 5 and 6: the subprotocol and extensions the server chose, which both
/// forms negotiate alike.
fn negotiated<'b>(
    headers: Headers<'b>,
    request: &ClientRequest<'_>,
) -> Result<Option<&'b str>, ResponseError> {
    let mut protocols = headers.get_all("sec-websocket-protocol");
    let protocol = match (protocols.next(), protocols.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => return Err(ResponseError::MultipleProtocols),
        (Some(p), None) if is_token(p) => core::str::from_utf8(p).ok(),
        (Some(p), None) if p.contains(&b',') => return Err(ResponseError::MultipleProtocols),
        (Some(_), None) => return Err(ResponseError::InvalidProtocol),
    };
    if let Some(p) = protocol {
        if !request.offered_protocols().contains(&p) {
            return Err(ResponseError::UnsolicitedProtocol);
        }
    }
    if !headers
        .get_all("sec-websocket-extensions")
        .all(is_extension_list)
    {
        return Err(ResponseError::InvalidExtensions);
    }
    let offered = |name: &str| {
        request
            .offered_extensions()
            .iter()
            .filter_map(|offer| single_extension(offer))
            .any(|o| o.eq_ignore_ascii_case(name))
    };
    let accepted = Extensions::new(headers.get_all("sec-websocket-extensions"));
    for (i, extension) in accepted.clone().enumerate() {
        let name = extension.name();
        if !offered(name) {
            return Err(ResponseError::UnsolicitedExtension);
        }
        // Quadratic only in the extensions before this one, which are distinct and
        // offered: the client's own list bounds the work, not the server's bytes.
        if accepted
            .clone()
            .take(i)
            .any(|e| e.name().eq_ignore_ascii_case(name))
        {
            return Err(ResponseError::DuplicateExtension);
        }
    }
    Ok(protocol)
}

/// The server's answer, complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeResponse<'b> {
    /// `101 Switching Protocols`, validated: the connection is open (§4.1).
    Accepted(Accepted<'b>),
    /// Any other status: the handshake did not happen and HTTP semantics apply.
    Rejected(Rejected<'b>),
}

impl<'b> HandshakeResponse<'b> {
    /// All header fields.
    pub fn headers(&self) -> Headers<'b> {
        match self {
            HandshakeResponse::Accepted(a) => a.headers,
            HandshakeResponse::Rejected(r) => r.headers,
        }
    }

    /// How many bytes the head used.
    pub fn head_len(&self) -> usize {
        match self {
            HandshakeResponse::Accepted(a) => a.head_len,
            HandshakeResponse::Rejected(r) => r.head_len,
        }
    }
}

/// A validated `101 Switching Protocols`.
///
/// ```
/// use rfc6455::handshake::{ClientRequest, HandshakeResponse, Limits, ResponseParser};
/// let protocols = ["chat", "superchat"];
/// let extensions = ["permessage-deflate; client_max_window_bits"];
/// let request = ClientRequest::new("example.com", "/chat", *b"the sample nonce")
///     .protocols(&protocols)
///     .extensions(&extensions);
/// let head = b"HTTP/1.1 101 OK\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n\
///     Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\
///     Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n";
/// let mut parser = ResponseParser::new(Limits::default());
/// let Some(HandshakeResponse::Accepted(accepted)) = parser.parse(head, &request)?.complete()
/// else {
///     panic!()
/// };
/// assert_eq!(accepted.protocol(), Some("chat"));
/// let deflate = accepted.extensions().next().unwrap();
/// assert_eq!(deflate.params().next().unwrap().name, "server_no_context_takeover");
/// # Ok::<(), rfc6455::handshake::ResponseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted<'b> {
    protocol: Option<&'b str>,
    headers: Headers<'b>,
    head_len: usize,
}

impl<'b> Accepted<'b> {
    /// The _Subprotocol In Use_: the one the server selected from those offered, if any.
    pub fn protocol(&self) -> Option<&'b str> {
        self.protocol
    }

    /// The _Extensions In Use_, in the order the server listed them, which is the order
    /// they apply to outgoing data (§9.1).
    pub fn extensions(&self) -> Extensions<'b> {
        Extensions::new(self.headers.get_all("sec-websocket-extensions"))
    }

    /// All header fields (`Set-Cookie` among them: the _Cookies Set During the
    /// Server's Opening Handshake_).
    pub fn headers(&self) -> Headers<'b> {
        self.headers
    }

    /// How many bytes the head used; the bytes after it are already WebSocket frames.
    pub fn head_len(&self) -> usize {
        self.head_len
    }
}

/// A response with a status other than 101: the server declined to upgrade.
///
/// ```
/// use rfc6455::handshake::{ClientRequest, HandshakeResponse, Limits, ResponseParser};
/// let request = ClientRequest::new("example.com", "/chat", [1; 16]);
/// let bytes = b"HTTP/1.1 302 Found\r\nLocation: wss://other.example/chat\r\n\
///     Content-Length: 5\r\n\r\nmoved";
/// let mut parser = ResponseParser::new(Limits::default());
/// let Some(HandshakeResponse::Rejected(rejected)) = parser.parse(bytes, &request)?.complete()
/// else {
///     panic!()
/// };
/// assert_eq!(rejected.status(), 302);
/// assert_eq!(rejected.reason(), b"Found");
/// assert_eq!(rejected.header("location"), Some(&b"wss://other.example/chat"[..]));
/// assert_eq!(&bytes[rejected.head_len()..], b"moved");
/// # Ok::<(), rfc6455::handshake::ResponseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected<'b> {
    status: u16,
    reason: &'b [u8],
    headers: Headers<'b>,
    head_len: usize,
}

impl<'b> Rejected<'b> {
    /// The status code, e.g. 401, 403 or a 3xx redirect.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase as sent (any bytes HTTP allows there; possibly empty).
    pub fn reason(&self) -> &'b [u8] {
        self.reason
    }

    /// All header fields.
    pub fn headers(&self) -> Headers<'b> {
        self.headers
    }

    /// The first value of the header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.headers.get(name)
    }

    /// How many bytes the head used: the body, if any, starts here (its length is for
    /// the caller to read from `Content-Length` or `Transfer-Encoding`).
    pub fn head_len(&self) -> usize {
        self.head_len
    }
}
