//! Server side: reading the client's opening handshake (RFC 6455 §4.2.1).

use core::ops::Range;

use super::accept::is_valid_key;
use super::error::RequestError;
use super::extension::{is_extension_list, Extensions};
use super::head::{
    ascii_str, default_port, http_version, is_authority, is_tchar, is_token, same_authority,
    trim_ows, GetAll, HeadParser, Headers, ListItems, StartLine,
};
use super::parts::{Form, HttpVersion};
use super::{Limits, DEFAULT_MAX_HEADERS};
use crate::Status;

/// Where the parts of the request line are.
#[derive(Debug, Clone)]
struct RequestLine {
    version: HttpVersion,
    target: Range<usize>,
    shape: TargetShape,
}

/// Where a request-target's parts are, relative to its start.
#[derive(Debug, Clone)]
struct TargetShape {
    path: Range<usize>,
    query: Option<Range<usize>>,
    /// The authority of an absolute-form target and its scheme's default port: `Host`
    /// must agree with it.
    authority: Option<(Range<usize>, &'static [u8])>,
}

impl TargetShape {
    fn shift(self, by: usize) -> Self {
        let shift = |r: Range<usize>| r.start + by..r.end + by;
        TargetShape {
            path: shift(self.path),
            query: self.query.map(shift),
            authority: self.authority.map(|(r, port)| (shift(r), port)),
        }
    }
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
        self.head.parse(buf, |head| {
            let line = head.start_line;
            let text = |r: &Range<usize>| ascii_str(&head.bytes[r.clone()]).unwrap_or_default();
            let start = Start {
                form: Form::Upgrade,
                version: line.version,
                target: text(&line.target),
                path: text(&line.shape.path),
                query: line.shape.query.as_ref().map(text),
                authority: line
                    .shape
                    .authority
                    .as_ref()
                    .map(|(r, port)| (&head.bytes[r.clone()], *port)),
            };
            HandshakeRequest::validate(start, head.headers, head.bytes)
        })
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
        let Some(version) = http_version(version) else {
            return Err(RequestError::MalformedRequestLine);
        };
        // No `:protocol` travels in HTTP/1.1, so the form is always the Upgrade one.
        let form = check_start(method, target, version, None)?;
        let target_start = range.start + method.len() + 1;
        Ok(RequestLine {
            version: HttpVersion::from_pair(version),
            target: target_start..target_start + target.len(),
            shape: target_shape(target, form)?.shift(target_start),
        })
    }
}

/// The checks of a request's start that come before its header fields, in the byte
/// parser's order: the grammar of method and target, then the method and version that
/// make a WebSocket handshake (§4.2.1 item 1; RFC 8441 §4 and RFC 9220 §3 for
/// extended CONNECT), which decide its [`Form`].
fn check_start(
    method: &[u8],
    target: &[u8],
    version: (u8, u8),
    protocol: Option<&[u8]>,
) -> Result<Form, RequestError> {
    if !is_token(method) || target.is_empty() || !target.iter().all(u8::is_ascii_graphic) {
        return Err(RequestError::MalformedRequestLine);
    }
    match method {
        b"GET" => {
            if version.0 >= 2 {
                return Err(RequestError::HttpVersionNotSupported);
            }
            if version < (1, 1) {
                return Err(RequestError::HttpVersionTooOld);
            }
            // RFC 8441 §4: `:protocol` belongs to CONNECT only.
            if protocol.is_some() {
                return Err(RequestError::ProtocolNotWebSocket);
            }
            Ok(Form::Upgrade)
        }
        // Extended CONNECT exists from HTTP/2 on; over HTTP/1.1, CONNECT asks for a
        // tunnel, which is no WebSocket handshake.
        b"CONNECT" if version.0 >= 2 => match protocol {
            Some(p) if p.eq_ignore_ascii_case(b"websocket") => Ok(Form::ExtendedConnect),
            _ => Err(RequestError::ProtocolNotWebSocket),
        },
        _ => Err(RequestError::MethodNotGet),
    }
}

/// Where the path, query and (absolute-form) authority of `target` are. The Upgrade form
/// takes a path or an absolute `http(s)` URI (§4.1 item 3); extended CONNECT carries the
/// path alone in `:path`, its authority and scheme apart (RFC 8441 §4).
fn target_shape(target: &[u8], form: Form) -> Result<TargetShape, RequestError> {
    if target.contains(&b'#') {
        return Err(RequestError::InvalidTarget);
    }
    let (path_start, authority) = if target[0] == b'/' {
        (0, None)
    } else if form == Form::Upgrade {
        let (authority, default_port) =
            absolute_authority(target).ok_or(RequestError::InvalidTarget)?;
        (authority.end, Some((authority, default_port)))
    } else {
        return Err(RequestError::InvalidTarget);
    };
    let query_at = target.iter().position(|&b| b == b'?');
    let path_end = query_at.unwrap_or(target.len());
    Ok(TargetShape {
        path: path_start..path_end,
        query: query_at.map(|q| q + 1..target.len()),
        authority,
    })
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
    form: Form,
    version: HttpVersion,
    target: &'b str,
    path: &'b str,
    query: Option<&'b str>,
    host: &'b str,
    key: &'b str,
    origin: Option<&'b str>,
}

/// A request's start once checked, however it arrived: the request line of HTTP/1.1
/// bytes, or the parts (pseudo-header fields) another HTTP stack parsed.
pub(crate) struct Start<'b> {
    pub(crate) form: Form,
    pub(crate) version: HttpVersion,
    pub(crate) target: &'b str,
    pub(crate) path: &'b str,
    pub(crate) query: Option<&'b str>,
    /// The authority the request names outside `Host` (an absolute-form target's, or
    /// `:authority`) and the default port of its scheme.
    pub(crate) authority: Option<(&'b [u8], &'static [u8])>,
}

/// The shared start checks for a request given as parts; see [`check_start`].
pub(crate) fn start_from_parts<'b>(
    method: &'b str,
    target: &'b str,
    version: HttpVersion,
    scheme: Option<&'b str>,
    authority: Option<&'b str>,
    protocol: Option<&'b str>,
) -> Result<Start<'b>, RequestError> {
    let form = check_start(
        method.as_bytes(),
        target.as_bytes(),
        version.pair(),
        protocol.map(str::as_bytes),
    )?;
    let shape = target_shape(target.as_bytes(), form)?;
    let default_port = scheme.and_then(|s| default_port(s.as_bytes()));
    let authority = match (form, shape.authority, authority) {
        // An absolute-form target names its own authority; a second one is ambiguous.
        (Form::Upgrade, Some(_), Some(_)) => return Err(RequestError::InvalidTarget),
        (Form::Upgrade, Some((range, port)), None) => Some((&target.as_bytes()[range], port)),
        (Form::Upgrade, None, None) => None,
        // An absolute-form target taken apart by an HTTP library, as hyper does.
        (Form::Upgrade, None, Some(a)) => match default_port {
            Some(port) if is_authority(a.as_bytes()) => Some((a.as_bytes(), port)),
            _ => return Err(RequestError::InvalidTarget),
        },
        // RFC 8441 §4 and §5: `:scheme` is there, and `http` or `https` (ws, wss).
        (Form::ExtendedConnect, _, a) => {
            let Some(port) = default_port else {
                return Err(RequestError::InvalidTarget);
            };
            match a {
                Some(a) if is_authority(a.as_bytes()) => Some((a.as_bytes(), port)),
                Some(_) => return Err(RequestError::InvalidHost),
                None => None,
            }
        }
    };
    Ok(Start {
        form,
        version,
        target,
        path: &target[shape.path],
        query: shape.query.map(|q| &target[q]),
        authority,
    })
}

impl<'b> HandshakeRequest<'b> {
    /// The one validator of §4.2.1 over header fields, for every way a request arrives:
    /// the byte parser and [`RequestParts`](super::RequestParts) both end here, so they
    /// cannot disagree on a check, its order or its error.
    pub(crate) fn validate(
        start: Start<'b>,
        headers: Headers<'b>,
        head: &'b [u8],
    ) -> Result<Self, RequestError> {
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
        let mut connection_specific = false;
        let mut body = false;
        let mut protocols_ok = true;
        let mut extensions_ok = true;
        for (name, value) in headers.raw() {
            match classify(name) {
                Known::Host => (hosts, host) = (hosts + 1, Some(value)),
                Known::Key => (keys, key) = (keys + 1, Some(value)),
                Known::Version => (versions, version) = (versions + 1, Some(value)),
                Known::Origin => (origins, origin) = (origins + 1, Some(value)),
                Known::Upgrade => {
                    upgrade |= has_token(value, b"websocket");
                    connection_specific = true;
                }
                Known::Connection => {
                    connection |= has_token(value, b"upgrade");
                    connection_specific = true;
                }
                Known::Protocol => protocols_ok &= is_token_list(value),
                Known::Extensions => extensions_ok &= is_extension_list(value),
                Known::ContentLength => body |= value.iter().any(|&b| b != b'0'),
                Known::TransferEncoding => body = true,
                Known::Other => {}
            }
        }
        let host = match (hosts, host) {
            (0, _) | (_, None) => None,
            (1, Some(h)) if is_authority(h) => Some(h),
            (1, Some(_)) => return Err(RequestError::InvalidHost),
            _ => return Err(RequestError::DuplicateHost),
        };
        // §4.2.1 item 2 asks for `Host`; over HTTP/2 and 3 `:authority` stands for it
        // and `Host`, if also sent, must name the same (RFC 9113 §8.3.1).
        let host = match (start.authority, host) {
            (Some((authority, port)), Some(host)) => {
                if !same_authority(authority, host, port) {
                    return Err(RequestError::HostMismatch);
                }
                match start.form {
                    Form::Upgrade => host,
                    Form::ExtendedConnect => authority,
                }
            }
            (None, Some(host)) => host,
            (Some((authority, _)), None) if start.form == Form::ExtendedConnect => authority,
            (_, None) => return Err(RequestError::MissingHost),
        };
        let host = ascii_str(host).unwrap_or_default();
        match start.form {
            Form::Upgrade => {
                if !upgrade {
                    return Err(RequestError::UpgradeNotWebSocket);
                }
                if !connection {
                    return Err(RequestError::ConnectionNotUpgrade);
                }
            }
            // RFC 9113 §8.2.2 (and RFC 9114 §4.2): connection-specific fields make an
            // HTTP/2 or HTTP/3 request malformed; RFC 8441 §5 replaces them with
            // `:protocol`.
            Form::ExtendedConnect if connection_specific => {
                return Err(RequestError::ConnectionSpecificHeader);
            }
            Form::ExtendedConnect => {}
        }
        match (versions, version) {
            (0, _) | (_, None) => return Err(RequestError::MissingVersion),
            (1, Some(b"13")) => {}
            _ => return Err(RequestError::UnsupportedVersion),
        }
        // RFC 8441 §5: extended CONNECT does not process Sec-WebSocket-Key (nor answer
        // with Sec-WebSocket-Accept): `:protocol` already proves the client speaks
        // WebSocket.
        let key = match (start.form, keys, key) {
            (Form::ExtendedConnect, _, _) => "",
            (_, 0, _) | (_, _, None) => return Err(RequestError::MissingKey),
            (_, 1, Some(k)) if is_valid_key(k) => ascii_str(k).unwrap_or_default(),
            (_, 1, Some(_)) => return Err(RequestError::InvalidKey),
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
            form: start.form,
            version: start.version,
            target: start.target,
            path: if start.path.is_empty() {
                "/"
            } else {
                start.path
            },
            query: start.query,
            host,
            key,
            origin,
        })
    }

    /// Which form the handshake took: an HTTP/1.1 Upgrade (RFC 6455 §4.1) or an
    /// extended CONNECT (RFC 8441 over HTTP/2, RFC 9220 over HTTP/3). The answer differs:
    /// [`AcceptResponse::status`](super::AcceptResponse::status) is 101 or 200.
    pub fn form(&self) -> Form {
        self.form
    }

    /// The HTTP version the request came over (HTTP/1.1 for every minor version above).
    pub fn version(&self) -> HttpVersion {
        self.version
    }

    /// The request method: `GET` for the Upgrade form (§4.2.1 item 1), `CONNECT` for
    /// extended CONNECT (RFC 8441 §4).
    pub fn method(&self) -> &'b str {
        match self.form {
            Form::Upgrade => "GET",
            Form::ExtendedConnect => "CONNECT",
        }
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

    /// The `Host` value: the authority the client wants (§4.2.1 item 2); for extended
    /// CONNECT, `:authority` (or `Host` when that is absent).
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

    /// The `Sec-WebSocket-Key` value as sent, already checked to encode 16 bytes. Empty
    /// for extended CONNECT, which has no key (RFC 8441 §5).
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

    /// The bytes of the head, blank line included; empty for a request given as
    /// [`RequestParts`](super::RequestParts).
    pub fn head(&self) -> &'b [u8] {
        self.head
    }

    /// How many bytes the head used. Whatever follows in the buffer was sent after the
    /// handshake and belongs to the frame layer. 0 for a request given as parts.
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
