//! Server side: reading the client's opening handshake (RFC 6455 §4.2.1).

use core::ops::Range;

use super::accept::is_valid_key;
use super::error::RequestError;
use super::extension::{is_extension_list, Extensions};
use super::head::{
    ascii_str, default_port, http_version, is_authority, is_tchar, is_token, same_authority,
    trim_ows, GetAll, Head, HeadParser, Headers, ListItems, StartLine,
};
use super::{Limits, DEFAULT_MAX_HEADERS};
use crate::Status;

/// Where the parts of the request line are.
#[derive(Debug, Clone)]
struct RequestLine {
    target: Range<usize>,
    path: Range<usize>,
    query: Option<Range<usize>>,
    /// The authority of an absolute-form target, which `Host` must agree with.
    authority: Option<Authority>,
}

/// The authority of an absolute-form request-target and the default port of its scheme.
#[derive(Debug, Clone)]
struct Authority {
    range: Range<usize>,
    default_port: &'static [u8],
}

/// Reads a client's opening handshake from a buffer that grows between calls.
///
/// Call [`parse`](Self::parse) with everything received so far (the same prefix plus
/// whatever arrived since). It answers [`Status::Partial`] until the blank line ending
/// the head arrives, resuming where the previous call stopped, so a head delivered one
/// byte at a time costs time linear in its length. It fails as soon as the head breaks
/// the HTTP grammar or the [`Limits`], and once complete it checks the request against
/// §4.2.1.
///
/// `N` is the capacity of the header table, 64 by default; the header limit in effect
/// is the smaller of `N` and [`Limits::max_headers`]. Raising it takes a type:
/// `RequestParser::<128>::with_capacity(limits)`.
///
/// ```
/// use rfc6455::handshake::{Limits, RequestParser};
/// use rfc6455::Status;
///
/// // RFC 6455 §1.3
/// let head = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
///     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
///     Sec-WebSocket-Version: 13\r\n\r\n";
/// let mut parser = RequestParser::new(Limits::default());
/// assert_eq!(parser.parse(&head[..40])?.is_partial(), true);
/// let Status::Complete(request) = parser.parse(head)? else { panic!() };
/// assert_eq!(request.path(), "/chat");
/// assert_eq!(request.host(), "server.example.com");
/// assert_eq!(request.origin(), Some("http://example.com"));
/// assert!(request.protocols().eq(["chat", "superchat"]));
/// assert_eq!(request.head_len(), head.len());
/// # Ok::<(), rfc6455::handshake::RequestError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RequestParser<const N: usize = DEFAULT_MAX_HEADERS> {
    head: HeadParser<RequestLine, N>,
}

impl RequestParser {
    /// A parser with the default header capacity of 64.
    pub const fn new(limits: Limits) -> Self {
        Self::with_capacity(limits)
    }
}

impl<const N: usize> RequestParser<N> {
    /// A parser with room for `N` header fields.
    ///
    /// ```
    /// use rfc6455::handshake::{Limits, RequestParser};
    /// let parser = RequestParser::<128>::with_capacity(Limits::default().max_headers(100));
    /// # let _ = parser;
    /// ```
    pub const fn with_capacity(limits: Limits) -> Self {
        RequestParser {
            head: HeadParser::new(limits),
        }
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> Limits {
        self.head.limits()
    }

    /// Forgets everything parsed so far, for a new connection.
    pub fn reset(&mut self) {
        self.head.reset();
    }

    /// How many bytes the parser has examined over all calls: at most twice the length
    /// of the head, however it was split. This is the proof that trickled input cannot
    /// make the parser quadratic (the CVE-2023-43669 class).
    ///
    /// ```
    /// use rfc6455::handshake::{Limits, RequestParser};
    /// let head = b"GET / HTTP/1.1\r\nHost: a\r\n";
    /// let mut parser = RequestParser::new(Limits::default());
    /// for end in 1..=head.len() {
    ///     assert!(parser.parse(&head[..end])?.is_partial());
    /// }
    /// assert!(parser.bytes_scanned() <= 2 * head.len());
    /// # Ok::<(), rfc6455::handshake::RequestError>(())
    /// ```
    pub fn bytes_scanned(&self) -> usize {
        self.head.bytes_scanned()
    }

    /// Parses the request head at the start of `buf`.
    ///
    /// `buf` must hold the bytes of the previous call followed by any new ones; a
    /// shorter buffer makes the parser start over. Bytes after the head (from
    /// [`HandshakeRequest::head_len`] on) are not looked at: they belong to the frame
    /// layer.
    ///
    /// An error is final: later calls return it again. Answer it with
    /// [`RequestError::rejection`].
    pub fn parse<'b>(
        &'b mut self,
        buf: &'b [u8],
    ) -> Result<Status<HandshakeRequest<'b>>, RequestError> {
        self.head.parse(buf, HandshakeRequest::validate)
    }
}

impl StartLine for RequestLine {
    type Error = RequestError;

    fn parse(buf: &[u8], range: Range<usize>) -> Result<Self, RequestError> {
        let line = &buf[range.clone()];
        let mut parts = line.splitn(3, |&b| b == b' ');
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(RequestError::MalformedRequestLine);
        };
        if !is_token(method) || target.is_empty() || !target.iter().all(u8::is_ascii_graphic) {
            return Err(RequestError::MalformedRequestLine);
        }
        let Some(version) = http_version(version) else {
            return Err(RequestError::MalformedRequestLine);
        };
        if method != b"GET" {
            return Err(RequestError::MethodNotGet);
        }
        if version.0 >= 2 {
            return Err(RequestError::HttpVersionNotSupported);
        }
        if version < (1, 1) {
            return Err(RequestError::HttpVersionTooOld);
        }
        let target_start = range.start + method.len() + 1;
        let target_range = target_start..target_start + target.len();
        if target.contains(&b'#') {
            return Err(RequestError::InvalidTarget);
        }
        let (path_start, authority) = if target[0] == b'/' {
            (0, None)
        } else {
            let (authority, default_port) =
                absolute_authority(target).ok_or(RequestError::InvalidTarget)?;
            let authority = Authority {
                range: target_start + authority.start..target_start + authority.end,
                default_port,
            };
            (authority.range.end - target_start, Some(authority))
        };
        let query_at = target.iter().position(|&b| b == b'?');
        let path_end = query_at.unwrap_or(target.len());
        Ok(RequestLine {
            path: target_start + path_start..target_start + path_end,
            query: query_at.map(|q| target_start + q + 1..target_range.end),
            target: target_range,
            authority,
        })
    }
}

/// Where the authority of an absolute `http`/`https` URI is (§4.1 item 3 allows them,
/// and no other scheme: `ws://` names the WebSocket URI, not an HTTP request-target),
/// with its scheme's default port. `None` for any other scheme, an empty authority or
/// one with userinfo, which RFC 7230 §2.7.1 has a recipient treat as an error.
fn absolute_authority(target: &[u8]) -> Option<(Range<usize>, &'static [u8])> {
    let scheme_len = target.iter().position(|&b| b == b':')?;
    let scheme = &target[..scheme_len];
    let default_port = default_port(scheme)?;
    let rest = target[scheme_len..].strip_prefix(b"://")?;
    let authority_len = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let authority_start = scheme_len + 3;
    let authority = &rest[..authority_len];
    is_authority(authority).then_some((
        authority_start..authority_start + authority_len,
        default_port,
    ))
}

/// Which of the handshake's headers a field name is, compared case-insensitively.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    Host,
    Upgrade,
    Connection,
    Key,
    Version,
    Origin,
    Protocol,
    Extensions,
    ContentLength,
    TransferEncoding,
    Other,
}

fn classify(name: &[u8]) -> Known {
    let is = |k: &str| name.eq_ignore_ascii_case(k.as_bytes());
    match name.len() {
        4 if is("host") => Known::Host,
        6 if is("origin") => Known::Origin,
        7 if is("upgrade") => Known::Upgrade,
        10 if is("connection") => Known::Connection,
        14 if is("content-length") => Known::ContentLength,
        17 if is("sec-websocket-key") => Known::Key,
        17 if is("transfer-encoding") => Known::TransferEncoding,
        21 if is("sec-websocket-version") => Known::Version,
        22 if is("sec-websocket-protocol") => Known::Protocol,
        24 if is("sec-websocket-extensions") => Known::Extensions,
        _ => Known::Other,
    }
}

/// A client's opening handshake that passed every check of §4.2.1, borrowed from the
/// buffer it was parsed from.
///
/// What the server still decides: whether the resource exists, whether the
/// [`origin`](Self::origin) is welcome ([`OriginPolicy`](super::OriginPolicy)), which
/// subprotocol and extensions to accept ([`AcceptResponse`](super::AcceptResponse)).
///
/// ```
/// use rfc6455::handshake::{Limits, RequestParser};
/// let head = b"GET /stock_info/?encoding=text HTTP/1.1\r\nHost:example.com\r\n\
///     Upgrade:websocket\r\nConnection:Upgrade\r\nSec-WebSocket-Key:dGhlIHNhbXBsZSBub25jZQ==\r\n\
///     Sec-WebSocket-Version:13\r\nCookie: sid=42; theme=dark\r\n\r\n\x81\x00";
/// let mut parser = RequestParser::new(Limits::default());
/// let request = parser.parse(head)?.complete().unwrap();
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.path(), "/stock_info/");
/// assert_eq!(request.query(), Some("encoding=text"));
/// assert_eq!(request.cookie(), Some(&b"sid=42; theme=dark"[..]));
/// assert!(request.cookies().any(|c| c == (&b"sid"[..], &b"42"[..])));
/// assert_eq!(&head[request.head_len()..], b"\x81\x00");
/// # Ok::<(), rfc6455::handshake::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeRequest<'b> {
    head: &'b [u8],
    headers: Headers<'b>,
    target: &'b str,
    path: &'b str,
    query: Option<&'b str>,
    host: &'b str,
    key: &'b str,
    origin: Option<&'b str>,
}

impl<'b> HandshakeRequest<'b> {
    fn validate(
        Head {
            start_line: line,
            bytes: head,
            headers,
        }: Head<'b, RequestLine>,
    ) -> Result<Self, RequestError> {
        let text = |r: &Range<usize>| core::str::from_utf8(&head[r.clone()]).unwrap_or_default();
        let mut host = None;
        let mut key = None;
        let mut version = None;
        let mut origin = None;
        let mut hosts = 0u32;
        let mut keys = 0u32;
        let mut versions = 0u32;
        let mut origins = 0u32;
        let mut upgrade = false;
        let mut connection = false;
        let mut body = false;
        let mut protocols_ok = true;
        let mut extensions_ok = true;
        for (name, value) in headers.raw() {
            match classify(name) {
                Known::Host => (hosts, host) = (hosts + 1, Some(value)),
                Known::Key => (keys, key) = (keys + 1, Some(value)),
                Known::Version => (versions, version) = (versions + 1, Some(value)),
                Known::Origin => (origins, origin) = (origins + 1, Some(value)),
                Known::Upgrade => upgrade |= has_token(value, b"websocket"),
                Known::Connection => connection |= has_token(value, b"upgrade"),
                Known::Protocol => protocols_ok &= is_token_list(value),
                Known::Extensions => extensions_ok &= is_extension_list(value),
                Known::ContentLength => body |= value.iter().any(|&b| b != b'0'),
                Known::TransferEncoding => body = true,
                Known::Other => {}
            }
        }
        let host = match (hosts, host) {
            (0, _) | (_, None) => return Err(RequestError::MissingHost),
            (1, Some(h)) if is_authority(h) => h,
            (1, Some(_)) => return Err(RequestError::InvalidHost),
            _ => return Err(RequestError::DuplicateHost),
        };
        if let Some(authority) = &line.authority {
            if !same_authority(&head[authority.range.clone()], host, authority.default_port) {
                return Err(RequestError::HostMismatch);
            }
        }
        let host = ascii_str(host).unwrap_or_default();
        if !upgrade {
            return Err(RequestError::UpgradeNotWebSocket);
        }
        if !connection {
            return Err(RequestError::ConnectionNotUpgrade);
        }
        match (versions, version) {
            (0, _) | (_, None) => return Err(RequestError::MissingVersion),
            (1, Some(b"13")) => {}
            _ => return Err(RequestError::UnsupportedVersion),
        }
        let key = match (keys, key) {
            (0, _) | (_, None) => return Err(RequestError::MissingKey),
            (1, Some(k)) if is_valid_key(k) => ascii_str(k).unwrap_or_default(),
            (1, Some(_)) => return Err(RequestError::InvalidKey),
            _ => return Err(RequestError::DuplicateKey),
        };
        let origin = match (origins, origin) {
            (0, _) | (_, None) => None,
            (1, Some(o)) => Some(ascii_str(o).ok_or(RequestError::InvalidOrigin)?),
            _ => return Err(RequestError::DuplicateOrigin),
        };
        if !protocols_ok {
            return Err(RequestError::InvalidProtocols);
        }
        if !extensions_ok {
            return Err(RequestError::InvalidExtensions);
        }
        if body {
            return Err(RequestError::UnexpectedBody);
        }
        Ok(HandshakeRequest {
            head,
            headers,
            target: text(&line.target),
            path: if line.path.is_empty() {
                "/"
            } else {
                text(&line.path)
            },
            query: line.query.as_ref().map(text),
            host,
            key,
            origin,
        })
    }

    /// The request method; always `GET` (§4.2.1 item 1).
    pub fn method(&self) -> &'b str {
        "GET"
    }

    /// The request-target as sent: `/chat?room=1`, or an absolute `http(s)` URI whose
    /// authority agrees with [`host`](Self::host).
    pub fn target(&self) -> &'b str {
        self.target
    }

    /// The path of the resource name (§3), without the query: `/chat`. An absolute URI
    /// without a path gives `/`.
    pub fn path(&self) -> &'b str {
        self.path
    }

    /// The query after `?`, if there is a `?`.
    pub fn query(&self) -> Option<&'b str> {
        self.query
    }

    /// The `Host` value: the authority the client wants (§4.2.1 item 2).
    ///
    /// When the target is an absolute URI, its authority is the one requested (RFC 7230
    /// §5.5); the parser refused the request unless `Host` names the same host and port
    /// ([`RequestError::HostMismatch`]), so routing and origin checks on `host` cannot
    /// be steered by a target naming another.
    pub fn host(&self) -> &'b str {
        self.host
    }

    /// The `Origin` value, sent by every browser (§4.2.1 item 7). Its absence means the
    /// client is not a browser, or claims not to be.
    pub fn origin(&self) -> Option<&'b str> {
        self.origin
    }

    /// The `Sec-WebSocket-Key` value as sent, already checked to encode 16 bytes.
    pub fn key(&self) -> &'b str {
        self.key
    }

    /// The `Sec-WebSocket-Accept` value that proves the handshake was read (§4.2.2).
    pub fn accept_key(&self) -> super::AcceptKey {
        super::accept_key(self.key.as_bytes())
    }

    /// The first `Cookie` value, raw. See [`cookies`](Self::cookies) for the pairs.
    pub fn cookie(&self) -> Option<&'b [u8]> {
        self.headers.get("cookie")
    }

    /// Every `name=value` pair of every `Cookie` field (RFC 6265 §4.2.1), unparsed
    /// beyond the split; a pair without `=` has an empty name.
    pub fn cookies(&self) -> Cookies<'b> {
        Cookies {
            values: self.headers.get_all("cookie"),
            rest: &[],
        }
    }

    /// The subprotocols offered in `Sec-WebSocket-Protocol`, in the client's order of
    /// preference (§4.2.1 item 8), across all such fields.
    pub fn protocols(&self) -> Protocols<'b> {
        Protocols {
            items: self.headers.list("sec-websocket-protocol"),
        }
    }

    /// The extensions offered in `Sec-WebSocket-Extensions`, in order, with their
    /// parameters (§9.1).
    pub fn extensions(&self) -> Extensions<'b> {
        Extensions::new(self.headers.get_all("sec-websocket-extensions"))
    }

    /// All header fields.
    pub fn headers(&self) -> Headers<'b> {
        self.headers
    }

    /// The first value of the header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        self.headers.get(name)
    }

    /// The bytes of the head, blank line included.
    pub fn head(&self) -> &'b [u8] {
        self.head
    }

    /// How many bytes the head used. Whatever follows in the buffer was sent after the
    /// handshake and belongs to the frame layer.
    pub fn head_len(&self) -> usize {
        self.head.len()
    }
}

fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|item| trim_ows(item).eq_ignore_ascii_case(token))
}

/// `1#token` with empty elements tolerated (RFC 7230 §7).
fn is_token_list(value: &[u8]) -> bool {
    let mut any = false;
    for item in value.split(|&b| b == b',').map(trim_ows) {
        if item.is_empty() {
            continue;
        }
        if !item.iter().all(|&b| is_tchar(b)) {
            return false;
        }
        any = true;
    }
    any
}

/// Iterator over offered subprotocols; see [`HandshakeRequest::protocols`].
#[derive(Debug, Clone)]
pub struct Protocols<'b> {
    items: ListItems<'b, 'static>,
}

impl<'b> Iterator for Protocols<'b> {
    type Item = &'b str;

    fn next(&mut self) -> Option<&'b str> {
        self.items
            .next()
            .map(|item| core::str::from_utf8(item).unwrap_or_default())
    }
}

/// Iterator over `(name, value)` cookie pairs; see [`HandshakeRequest::cookies`].
#[derive(Debug, Clone)]
pub struct Cookies<'b> {
    values: GetAll<'b, 'static>,
    rest: &'b [u8],
}

impl<'b> Iterator for Cookies<'b> {
    type Item = (&'b [u8], &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                self.rest = self.values.next()?;
            }
            let (pair, rest) = match self.rest.iter().position(|&b| b == b';') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            let pair = trim_ows(pair);
            if pair.is_empty() {
                continue;
            }
            return Some(match pair.iter().position(|&b| b == b'=') {
                Some(i) => (trim_ows(&pair[..i]), trim_ows(&pair[i + 1..])),
                None => (&[][..], pair),
            });
        }
    }
}
